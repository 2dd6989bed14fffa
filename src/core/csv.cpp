#include "deliveryd/core/csv.hpp"

#include <algorithm>
#include <istream>

namespace deliveryd::core {
namespace {

constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";

struct Parsed {
    std::vector<CsvRecord> records;
    std::size_t next_line = 1;  // the line after the text
};

// The records of `text`, whose first line is `first_line`.
Parsed parse_records(std::string_view text, std::size_t first_line) {
    std::vector<CsvRecord> records;
    CsvRecord record{.line = first_line, .fields = {}};
    std::string field;
    std::size_t line = first_line;
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
    return Parsed{std::move(records), line};
}

// Where the last record of `text` that is whole ends (just after its line
// feed), or 0 when none is: `text` starts at a record's start, and a line
// feed inside a quoted field ends nothing. Quotes are counted, not parsed: a
// doubled quote leaves the count as it was, and a stray quote is for
// parse_records to report.
std::size_t whole_records_end(std::string_view text) {
    bool quoted = false;
    std::size_t end = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '"') {
            quoted = !quoted;
        } else if (text[i] == '\n' && !quoted) {
            end = i + 1;
        }
    }
    return end;
}

}  // namespace

std::vector<CsvRecord> parse_csv(std::string_view text) {
    if (text.starts_with(byte_order_mark)) {
        text.remove_prefix(byte_order_mark.size());
    }
    return parse_records(text, 1).records;
}

void for_each_csv_record(std::istream& in, const std::function<void(const CsvRecord&)>& each,
                         std::size_t block_bytes) {
    std::string pending;  // read, not parsed yet; starts where a record starts
    std::string block(std::max<std::size_t>(block_bytes, 1), '\0');
    std::size_t line = 1;
    bool first = true;
    for (;;) {
        in.read(block.data(), static_cast<std::streamsize>(block.size()));
        const auto got = static_cast<std::size_t>(in.gcount());
        pending.append(block.data(), got);
        const bool at_end = got < block.size();
        if (first && pending.size() < byte_order_mark.size() && !at_end) {
            continue;  // too little yet to tell whether it starts with a mark
        }
        if (first && std::string_view(pending).starts_with(byte_order_mark)) {
            pending.erase(0, byte_order_mark.size());
        }
        first = false;
        const auto end = at_end ? pending.size() : whole_records_end(pending);
        if (end > 0) {
            auto parsed = parse_records(std::string_view(pending).substr(0, end), line);
            line = parsed.next_line;
            for (const auto& record : parsed.records) {
                each(record);
            }
            pending.erase(0, end);
        }
        if (at_end) {
            return;
        }
    }
}

}  // namespace deliveryd::core
