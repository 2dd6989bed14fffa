#include "deliveryd/store/message_lookup.hpp"

#include <pqxx/pqxx>

namespace deliveryd::store {
namespace {

constexpr const char* row_sql =
    "SELECT to_jsonb(d)::text FROM delivery_state AS d WHERE sms_id = $1";

// Through delivery_event_sms_id (sms_id, received_at).
constexpr const char* events_sql =
    "SELECT to_jsonb(e)::text FROM delivery_event AS e WHERE sms_id = $1 "
    "ORDER BY received_at, event_id";

}  // namespace

std::optional<MessageRecord> find_message(ConnectionPool& pool, const std::string& sms_id) {
    std::optional<MessageRecord> found;
    pool.with_connection([&](pqxx::connection_base& c) {
        found.reset();
        pqxx::read_transaction tx(c);
        const auto row = tx.exec_params(row_sql, sms_id);
        if (row.empty()) {
            return;
        }
        found.emplace();
        found->row = row[0][0].as<std::string>();
        for (const auto& event : tx.exec_params(events_sql, sms_id)) {
            found->events.push_back(event[0].as<std::string>());
        }
    });
    return found;
}

}  // namespace deliveryd::store
