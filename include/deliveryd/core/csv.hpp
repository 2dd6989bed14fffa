// CSV as RFC 4180 writes it (and spreadsheets export it): fields separated
// by commas, records by CRLF or LF; a field in double quotes may hold commas,
// line breaks and doubled quotes. A UTF-8 byte order mark at the start is
// skipped. Pure.
#pragma once

#include <cstddef>
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

}  // namespace deliveryd::core
