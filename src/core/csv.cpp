#include "deliveryd/core/csv.hpp"

namespace deliveryd::core {

std::vector<CsvRecord> parse_csv(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) {
        text.remove_prefix(3);
    }
    std::vector<CsvRecord> records;
    CsvRecord record{.line = 1, .fields = {}};
    std::string field;
    std::size_t line = 1;
    std::size_t i = 0;
    bool field_started = false;  // the record has a field (even an empty one) so far

    const auto end_field = [&] {
        record.fields.push_back(std::move(field));
        field.clear();
    };
    const auto end_record = [&] {
        // A blank line is no record at all, not one empty field.
        const bool blank = !field_started && record.fields.empty() && field.empty();
        if (!blank) {
            end_field();
            records.push_back(std::move(record));
        }
        record = CsvRecord{.line = line + 1, .fields = {}};
        field_started = false;
    };

    while (i < text.size()) {
        const char c = text[i];
        if (c == '"') {
            if (!field.empty()) {
                throw CsvError(line, "a quote inside an unquoted field");
            }
            const auto opened_at = line;
            ++i;
            for (;;) {
                if (i >= text.size()) {
                    throw CsvError(opened_at, "a quoted field is not closed");
                }
                if (text[i] == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                if (text[i] == '\n') {
                    ++line;
                }
                field += text[i++];
            }
            field_started = true;
            if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                throw CsvError(line, "text after a closing quote");
            }
            continue;
        }
        if (c == ',') {
            end_field();
            field_started = true;
            ++i;
        } else if (c == '\r' || c == '\n') {
            end_record();
            i += (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
            ++line;
        } else {
            field += c;
            field_started = true;
            ++i;
        }
    }
    end_record();
    return records;
}

}  // namespace deliveryd::core
