// What the admin pages' overview shows: today's messages by state (the
// Vietnam day, through delivery_state_day), the unresolved backlog by age
// (the buckets of `deliveryd status`, through delivery_state_unresolved),
// each polling source's calls against its limit (deliveryd_poll_activity)
// and today's latest provider errors (delivery_state_errors). Every query
// reads through an index that stays small or covers one day only, so the
// page costs little however large the table grows. Blocking; one
// connection from the pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/operator_queries.hpp"

namespace deliveryd::store {

struct ErrorRow {
    std::string sms_id;
    std::string state;
    std::string account;
    std::string provider;
    std::int64_t error_code = 0;
    std::optional<std::string> error_message;  // as the provider wrote it
    std::string updated_at;                    // Vietnam time, "2026-12-06 12:41:12"
};

struct AdminOverview {
    std::string day;                // today in Vietnam, "2026-12-06"
    std::vector<StateCount> today;  // messages submitted today, by state, most first
    std::vector<AgeBucket> unresolved_by_age;
    std::optional<std::string> oldest_unresolved_age;
    std::vector<KeyActivityRow> activity;
    std::vector<ErrorRow> errors;  // today's, latest first
};

[[nodiscard]] AdminOverview read_admin_overview(ConnectionPool& pool, std::size_t max_errors = 20);

}  // namespace deliveryd::store
