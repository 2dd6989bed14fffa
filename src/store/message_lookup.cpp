#include "deliveryd/store/message_lookup.hpp"

#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <pqxx/pqxx>

namespace deliveryd::store {
namespace {

// Recent or archived (the view's `archived` column says which), through
// either table's index on sms_id. Between a late report's fresh row and
// the archive pass putting the message back together, both exist: the
// archived row is the one with the message's history.
constexpr const char* row_sql =
    "SELECT to_jsonb(d)::text FROM delivery_state_all AS d WHERE sms_id = $1 "
    "ORDER BY archived DESC LIMIT 1";

// Through delivery_event_sms_id_hash; a message has a few reports, sorted
// once found.
constexpr const char* events_sql =
    "SELECT to_jsonb(e)::text FROM delivery_event AS e WHERE sms_id = $1 "
    "ORDER BY received_at, event_id";

// The page's query: $1 the value searched for, $2 the cursor's
// submitted_at in microseconds since the epoch (NULL: from the newest), $3
// its sms_id, $4 the page size. `match` selects the rows through an index.
std::string page_sql(const std::string& match) {
    return R"sql(
SELECT to_jsonb(m)::text,
       (extract(epoch FROM m.submitted_at) * 1000000)::bigint, m.sms_id
FROM (
    SELECT sms_id, state, is_final, account, provider, type_id, phone, zalo_user_id, request_id,
           submitted_at, state_at, error_code, archived
    FROM delivery_state_all
    WHERE )sql" +
           match + R"sql(
      AND ($2::bigint IS NULL
           OR (submitted_at, sms_id) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3))
    ORDER BY submitted_at DESC, sms_id DESC
    LIMIT $4
) AS m
)sql";
}

const std::string& sql_of(MessageSearch::By by) {
    // Through delivery_state_phone_tail: every form of a number ends in the
    // same 9 digits; the key then tells the number apart from others ending
    // alike.
    static const std::string by_phone = page_sql(
        "right(phone, 9) = right($1, 9) AND phone IS NOT NULL\n"
        "      AND delivery_phone_key(phone) = delivery_phone_key($1)");
    static const std::string by_request = page_sql("request_id = $1");
    return by == MessageSearch::By::phone ? by_phone : by_request;
}

}  // namespace

MessagePage find_messages(ConnectionPool& pool, const MessageSearch& search, std::size_t limit,
                          const std::string& cursor) {
    // A cursor is "<microseconds>:<sms_id>" of the last message of a page.
    std::optional<std::int64_t> micros;
    std::string after_id;
    if (!cursor.empty()) {
        const auto colon = cursor.find(':');
        std::int64_t value = 0;
        const auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + colon, value);
        if (colon == std::string::npos || ec != std::errc{} || end != cursor.data() + colon) {
            throw std::invalid_argument("not a cursor this API gave");
        }
        micros = value;
        after_id = cursor.substr(colon + 1);
    }
    MessagePage page;
    pool.with_connection([&](pqxx::connection_base& c) {
        page = MessagePage{};
        pqxx::read_transaction tx(c);
        // One more than asked tells whether a next page exists.
        const auto rows = tx.exec_params(sql_of(search.by), search.value, micros, after_id,
                                         static_cast<std::int64_t>(limit + 1));
        for (std::size_t i = 0; i < rows.size() && i < limit; ++i) {
            page.messages.push_back(rows[static_cast<int>(i)][0].as<std::string>());
        }
        if (rows.size() > limit) {
            const auto last = rows[static_cast<int>(limit - 1)];
            page.next = last[1].as<std::string>() + ":" + last[2].as<std::string>();
        }
    });
    return page;
}

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
