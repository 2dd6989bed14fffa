// deliveryd erase: a person's phone number or Zalo user id removed from the
// state, the archive and the reports.
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "deliveryd/store/operator_queries.hpp"

#include "store/pg_array.hpp"

namespace deliveryd::store {
namespace {

constexpr const char* erased_marker = "[erased]";

std::string column_of(ErasedPerson::Key key) {
    return key == ErasedPerson::Key::phone ? "phone" : "zalo_user_id";
}

// LIKE's own wildcards in a form match only themselves.
std::string contains_pattern(const std::string& form) {
    std::string pattern = "%";
    for (const char c : form) {
        if (c == '%' || c == '_' || c == '\\') {
            pattern += '\\';
        }
        pattern += c;
    }
    return pattern + "%";
}

// $1: the forms; $2: LIKE patterns of every form a payload may hold;
// $3...: those forms, longest first, each replaced in turn.
std::string erase_sql(const std::string& column, std::size_t payload_forms, bool dry_run) {
    std::string redacted = "raw_payload";
    for (std::size_t i = 0; i < payload_forms; ++i) {
        redacted =
            "replace(" + redacted + ", $" + std::to_string(i + 3) + ", '" + erased_marker + "')";
    }
    // Every form of a phone number ends in the same 9 digits, so the rows
    // are found through delivery_state_phone_tail; Zalo ids have no index.
    const std::string state_where =
        column == "phone"
            ? "right(phone, 9) = ANY(ARRAY(SELECT right(f, 9) FROM unnest($1::text[]) AS f)) "
              "AND phone IS NOT NULL AND phone = ANY($1::text[])"
            : column + " = ANY($1::text[])";
    // The messages are in delivery_state or, once old, in its archive
    // (which has the same index on the phone's last 9 digits).
    const std::string event_match =
        "WHERE " + column +
        " = ANY($1::text[]) OR (raw_payload LIKE ANY($2::text[]) AND sms_id IN "
        "(SELECT sms_id FROM state UNION ALL SELECT sms_id FROM archived))";
    const std::string counts =
        " SELECT (SELECT count(*) FROM state) + (SELECT count(*) FROM archived), "
        "(SELECT count(*) FROM events)";
    if (dry_run) {
        return "WITH state AS (SELECT sms_id FROM delivery_state WHERE " + state_where +
               "), archived AS (SELECT sms_id FROM delivery_state_archive WHERE " + state_where +
               "), events AS (SELECT 1 FROM delivery_event " + event_match + ")" + counts;
    }
    return "WITH state AS (UPDATE delivery_state SET " + column + " = NULL WHERE " + state_where +
           " RETURNING sms_id), archived AS (UPDATE delivery_state_archive SET " + column +
           " = NULL WHERE " + state_where +
           " RETURNING sms_id), events AS (UPDATE delivery_event SET " + column + " = CASE WHEN " +
           column + " = ANY($1::text[]) THEN NULL ELSE " + column +
           " END, raw_payload = " + redacted + " " + event_match + " RETURNING 1)" + counts;
}

}  // namespace

EraseResult erase_person(ConnectionPool& pool, const ErasedPerson& person, bool dry_run) {
    std::vector<std::string> payload_forms = person.payload_forms;
    payload_forms.insert(payload_forms.end(), person.forms.begin(), person.forms.end());
    PgArray forms;
    for (const auto& form : person.forms) {
        forms.add(form);
    }
    PgArray patterns;
    for (const auto& form : payload_forms) {
        patterns.add(contains_pattern(form));
    }
    std::vector<std::string> params{forms.finish(), patterns.finish()};
    if (!dry_run) {  // the forms to replace
        params.insert(params.end(), payload_forms.begin(), payload_forms.end());
    }
    const auto sql = erase_sql(column_of(person.key), payload_forms.size(), dry_run);
    EraseResult result;
    pool.with_connection([&](pqxx::connection_base& c) {
        pqxx::work tx(c);
        const auto row = tx.exec_params1(sql, pqxx::prepare::make_dynamic_params(params));
        result.messages = row[0].as<std::int64_t>();
        result.reports = row[1].as<std::int64_t>();
        tx.commit();
    });
    return result;
}

}  // namespace deliveryd::store
