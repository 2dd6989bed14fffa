// One message's whole story for the admin API: its delivery_state row and
// its reports from delivery_event, each as PostgreSQL's own JSON of the row
// (to_jsonb), so that a column added later shows without a change here.
// Blocking; one connection from the pool.
#pragma once

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

}  // namespace deliveryd::store
