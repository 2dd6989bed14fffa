#include "deliveryd/app/registration_csv.hpp"

#include <array>
#include <optional>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "deliveryd/core/csv.hpp"
#include "deliveryd/core/numbers.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/core/time_text.hpp"
#include "deliveryd/providers/esms/sms_id.hpp"

namespace deliveryd::app {
namespace {

enum class Column : std::size_t {
    sms_id,
    provider,
    account,
    type_id,
    oa_id,
    phone,
    request_id,
    template_id,
    submitted_at,
    scheduled_at,
    count
};

static_assert(static_cast<std::size_t>(Column::count) == registration_columns);

constexpr std::array<std::string_view, registration_columns> column_names{
    "sms_id", "provider",   "account",     "type_id",      "oa_id",
    "phone",  "request_id", "template_id", "submitted_at", "scheduled_at"};

// Longest value a text column takes; generous, but a CSV is no place for
// megabytes in one field.
constexpr std::size_t max_text = 1024;

[[noreturn]] void fail(std::size_t line, std::string_view column, std::string_view problem) {
    throw RegistrationError(fmt::format("line {}: column {}: {}", line, column, problem));
}

}  // namespace

void RegistrationReader::read_header(const core::CsvRecord& header) {
    for (std::size_t i = 0; i < header.fields.size(); ++i) {
        const auto name = core::trim(header.fields[i]);
        std::size_t known = 0;
        while (known < column_names.size() && column_names[known] != name) {
            ++known;
        }
        if (known == column_names.size()) {
            fail(header.line, name.empty() ? std::string_view("(empty)") : name,
                 fmt::format("unknown column (known: {})", fmt::join(column_names, ", ")));
        }
        if (at_[known]) {
            fail(header.line, name, "named twice");
        }
        at_[known] = i;
    }
    if (!at_[static_cast<std::size_t>(Column::sms_id)]) {
        fail(header.line, "sms_id", "missing (it is required)");
    }
    fields_ = header.fields.size();
    has_header_ = true;
}

store::RegisteredMessage RegistrationReader::read_row(const core::CsvRecord& record) const {
    if (record.fields.size() != fields_) {
        throw RegistrationError(fmt::format("line {}: {} fields, the header has {}", record.line,
                                            record.fields.size(), fields_));
    }
    // The field of `column`, or nullopt when the file has no such column or
    // leaves it empty.
    const auto value = [&](Column column) -> std::optional<std::string> {
        const auto index = at_[static_cast<std::size_t>(column)];
        if (!index || record.fields[*index].empty()) {
            return std::nullopt;
        }
        const auto& text = record.fields[*index];
        const auto name = column_names[static_cast<std::size_t>(column)];
        if (text.size() > max_text) {
            fail(record.line, name, fmt::format("longer than {} bytes", max_text));
        }
        if (!core::is_valid_utf8(text)) {
            fail(record.line, name, "not valid UTF-8");
        }
        return text;
    };

    store::RegisteredMessage m;
    const auto id = value(Column::sms_id);
    if (!id) {
        fail(record.line, "sms_id", "empty");
    }
    if (const auto problem = providers::esms::sms_id_problem(*id); !problem.empty()) {
        fail(record.line, "sms_id", problem);
    }
    m.sms_id = *id;
    m.provider = value(Column::provider);
    if (m.provider && *m.provider != "esms" && *m.provider != "etelecom") {
        fail(record.line, "provider", "must be esms or etelecom");
    }
    m.account = value(Column::account);
    if (const auto type = value(Column::type_id)) {
        m.type_id = core::parse_int(*type, 0);
        if (!m.type_id) {
            fail(record.line, "type_id", "not a whole number from 0");
        }
    }
    m.oa_id = value(Column::oa_id);
    m.phone = value(Column::phone);
    m.request_id = value(Column::request_id);
    m.template_id = value(Column::template_id);
    const auto read_time = [&](Column column, std::optional<core::Timestamp>& into) {
        if (const auto when = value(column)) {
            into = core::parse_rfc3339(*when);
            if (!into) {
                fail(record.line, column_names[static_cast<std::size_t>(column)],
                     "not an RFC 3339 time with a zone (e.g. 2026-11-20T08:30:00+07:00)");
            }
        }
    };
    read_time(Column::submitted_at, m.submitted_at);
    read_time(Column::scheduled_at, m.scheduled_at);
    return m;
}

void RegistrationProblems::add(const RegistrationError& problem) {
    if (problems_.size() < max_reported_problems) {
        problems_.emplace_back(problem.what());
    } else {
        ++more_;
    }
}

void RegistrationProblems::raise_if_any() const {
    if (problems_.empty()) {
        return;
    }
    auto lines = problems_;
    if (more_ > 0) {
        lines.push_back(fmt::format("... and {} more rows with problems", more_));
    }
    throw RegistrationError(fmt::format("{}", fmt::join(lines, "\n")));
}

void for_each_registration_row(std::istream& in, const RowHandler& each_row) {
    RegistrationReader reader;
    try {
        core::for_each_csv_record(in, [&](const core::CsvRecord& record) {
            if (reader.has_header()) {
                each_row(reader, record);
            } else {
                reader.read_header(record);
            }
        });
    } catch (const core::CsvError& e) {
        throw RegistrationError(e.what());
    }
    if (!reader.has_header()) {
        throw RegistrationError(no_header);
    }
}

std::size_t check_registrations(std::istream& in) {
    // Every bad row is reported (its first problem), up to a cap, so that a
    // file is fixed in one round; nothing is imported while any is bad.
    RegistrationProblems problems;
    std::size_t rows = 0;
    for_each_registration_row(in,
                              [&](const RegistrationReader& reader, const core::CsvRecord& record) {
                                  ++rows;
                                  try {
                                      (void)reader.read_row(record);
                                  } catch (const RegistrationError& e) {
                                      problems.add(e);
                                  }
                              });
    problems.raise_if_any();
    return rows;
}

std::vector<store::RegisteredMessage> read_registrations(std::string_view csv) {
    std::istringstream checked{std::string(csv)};
    (void)check_registrations(checked);
    std::vector<store::RegisteredMessage> messages;
    std::istringstream in{std::string(csv)};
    for_each_registration_row(in,
                              [&](const RegistrationReader& reader, const core::CsvRecord& record) {
                                  messages.push_back(reader.read_row(record));
                              });
    return messages;
}

}  // namespace deliveryd::app
