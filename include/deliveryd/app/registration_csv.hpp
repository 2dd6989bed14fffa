// The CSV that `deliveryd import --csv FILE` reads: a header row naming the
// columns (sms_id required; provider, account, type_id, oa_id, phone,
// request_id, template_id, submitted_at, scheduled_at optional, in any
// order), then one sent message per row. An empty field takes the column's
// default. Pure.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryd/core/csv.hpp"
#include "deliveryd/store/operator_queries.hpp"

namespace deliveryd::app {

// The columns a registration file may name.
inline constexpr std::size_t registration_columns = 10;

// "line N: column C: problem", one line per bad row (its first problem), up
// to 20 rows and then a count of the rest; nothing of the file should be
// imported.
class RegistrationError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A registration file's columns, and each row checked as the callback
// route checks reports: SMSIDs 1-128 printable characters without spaces,
// quotes or semicolons; provider esms or etelecom; type_id an integer;
// submitted_at and scheduled_at RFC 3339 with a zone.
class RegistrationReader {
  public:
    // Which column is where. Throws RegistrationError for an unknown or
    // repeated column, or without sms_id.
    void read_header(const core::CsvRecord& header);
    [[nodiscard]] bool has_header() const noexcept { return has_header_; }
    // The row as a message; throws RegistrationError with its first problem.
    [[nodiscard]] store::RegisteredMessage read_row(const core::CsvRecord& record) const;

  private:
    std::array<std::optional<std::size_t>, registration_columns> at_{};
    std::size_t fields_ = 0;
    bool has_header_ = false;
};

// The problems of a file's rows, the first 20 in full and the rest counted.
class RegistrationProblems {
  public:
    void add(const RegistrationError& problem);
    // Throws one RegistrationError listing them, if there are any.
    void raise_if_any() const;

  private:
    static constexpr std::size_t max_reported_problems = 20;
    std::vector<std::string> problems_;
    std::size_t more_ = 0;
};

// What an empty file (no header row) is told.
inline constexpr const char* no_header = "line 1: no header row (the first row names the columns)";

using RowHandler =
    std::function<void(const RegistrationReader& reader, const core::CsvRecord& row)>;

// The registration CSV read from `in` a block at a time
// (core::for_each_csv_record): its header, then each row handed to
// `each_row` with the reader that knows the columns. Throws
// RegistrationError for what is not CSV, a bad header, or none.
void for_each_registration_row(std::istream& in, const RowHandler& each_row);

// Every row of `in` checked (read_row), so that a file is fixed in one
// round; the number of rows. Throws RegistrationError listing the problems
// (RegistrationProblems) when any row has one.
[[nodiscard]] std::size_t check_registrations(std::istream& in);

// Every row of a whole file as a message, after check_registrations.
[[nodiscard]] std::vector<store::RegisteredMessage> read_registrations(std::string_view csv);

}  // namespace deliveryd::app
