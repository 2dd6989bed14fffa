// One message's whole story for the admin API: its delivery_state row and
// its reports from delivery_event, each as PostgreSQL's own JSON of the row
// (to_jsonb), so that a column added later shows without a change here.
// Blocking; one connection from the pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deliveryd/store/connection_pool.hpp"

namespace deliveryd::store {

struct MessageRecord {
    std::string row;                  // JSON object: the delivery_state row
    std::vector<std::string> events;  // JSON objects, in the order received
};

// nullopt when no row has this sms_id.
[[nodiscard]] std::optional<MessageRecord> find_message(ConnectionPool& pool,
                                                        const std::string& sms_id);

// A page of messages, newest first: each a JSON object of the columns that
// tell messages apart (sms_id, state, is_final, account, provider, type_id,
// phone, zalo_user_id, request_id, submitted_at, state_at, error_code).
struct MessagePage {
    std::vector<std::string> messages;
    std::optional<std::string> next;  // the cursor of the next page; none after the last
};

// Which messages a search asks for.
struct MessageSearch {
    enum class By : std::uint8_t {
        phone,       // however it was written (84…, 0…, +84…), via delivery_state_phone_tail
        request_id,  // the sender's RequestId, via delivery_state_request_id
    };
    By by = By::phone;
    std::string value;
};

// The matching messages, newest first. `cursor`: a page's `next`, or empty
// for the first page. Throws std::invalid_argument for a cursor it did not
// make.
[[nodiscard]] MessagePage find_messages(ConnectionPool& pool, const MessageSearch& search,
                                        std::size_t limit, const std::string& cursor);

}  // namespace deliveryd::store
