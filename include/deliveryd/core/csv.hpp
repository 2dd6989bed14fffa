// CSV as RFC 4180 writes it (and spreadsheets export it): fields separated
// by commas, records by CRLF or LF; a field in double quotes may hold commas,
// line breaks and doubled quotes. A UTF-8 byte order mark at the start is
// skipped. Pure (for_each_csv_record reads a stream it is given).
#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace deliveryd::core {

class CsvError : public std::runtime_error {
  public:
    CsvError(std::size_t line, const std::string& what)
        : std::runtime_error("line " + std::to_string(line) + ": " + what), line_(line) {}
    [[nodiscard]] std::size_t line() const noexcept { return line_; }

  private:
    std::size_t line_;
};

struct CsvRecord {
    std::size_t line = 0;  // where the record starts, from 1
    std::vector<std::string> fields;
};

// Every record, blank lines skipped. Throws CsvError for a quote inside an
// unquoted field, text after a closing quote, or a quoted field left open.
[[nodiscard]] std::vector<CsvRecord> parse_csv(std::string_view text);

// The records of `in` one at a time, in order, as parse_csv would list them:
// read `block_bytes` at a time and parsed up to the last whole record, so
// memory stays near one block (and one record, when a record is longer)
// however long the input. Throws CsvError like parse_csv (the records of
// the blocks before the error's have been handed over by then).
void for_each_csv_record(std::istream& in, const std::function<void(const CsvRecord&)>& each,
                         std::size_t block_bytes = std::size_t{1} << 20);

}  // namespace deliveryd::core
