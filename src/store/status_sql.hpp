// Queries that `deliveryd status` and the admin pages' overview share, so
// that both count the backlog in the same buckets and read the same
// polling activity.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <pqxx/pqxx>

#include "deliveryd/store/operator_queries.hpp"

namespace deliveryd::store::status_sql {

// One pass over the unresolved rows, from delivery_state_unresolved alone
// where the visibility map allows (it carries state and next_poll_at): how
// many, and how many due now, per state and age bucket (age_labels).
constexpr const char* unresolved = R"sql(
SELECT state,
       CASE WHEN age < interval '1 hour' THEN 0 WHEN age < interval '6 hours' THEN 1
            WHEN age < interval '1 day' THEN 2 WHEN age < interval '3 days' THEN 3
            WHEN age < interval '7 days' THEN 4 ELSE 5 END,
       count(*), count(*) FILTER (WHERE next_poll_at <= now())
FROM (SELECT state, next_poll_at, now() - submitted_at AS age
      FROM delivery_state WHERE NOT is_final) AS u
GROUP BY 1, 2
)sql";
constexpr std::array<const char*, 6> age_labels = {"under 1h", "1h-6h", "6h-24h",
                                                   "1d-3d",    "3d-7d", "over 7d"};

constexpr const char* oldest_unresolved = R"sql(
SELECT (now() - min(submitted_at))::text FROM delivery_state WHERE NOT is_final
)sql";

// Columns as KeyActivityRow (operator_queries.hpp) orders its members.
constexpr const char* activity = R"sql(
SELECT account, endpoint, scope, replica, rate_limit, utilisation, queued_calls, due_rows,
       extract(epoch FROM now() - updated_at)::float8
FROM deliveryd_poll_activity ORDER BY account, endpoint
)sql";

inline KeyActivityRow activity_row(const pqxx::row& row) {
    KeyActivityRow a;
    a.account = row[0].as<std::string>();
    a.endpoint = row[1].as<std::string>();
    a.scope = row[2].as<std::string>();
    a.replica = row[3].as<std::string>();
    a.rate_limit = row[4].as<double>();
    a.utilisation = row[5].as<double>();
    a.queued_calls = row[6].as<std::int64_t>();
    if (!row[7].is_null()) {
        a.due_rows = row[7].as<std::int64_t>();
    }
    a.age_seconds = row[8].as<double>();
    return a;
}

}  // namespace deliveryd::store::status_sql
