// deliveryd status: counts by state, the unresolved backlog by age, who
// polls which scope, and what each polling replica last reported.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include <pqxx/pqxx>

#include "deliveryd/store/operator_queries.hpp"

#include "store/pg_array.hpp"

namespace deliveryd::store {
namespace {

constexpr const char* table_rows_sql = R"sql(
SELECT c.reltuples::float8,
       coalesce(to_char(greatest(s.last_analyze, s.last_autoanalyze), 'YYYY-MM-DD HH24:MI:SS TZ'),
                'never')
FROM pg_class AS c LEFT JOIN pg_stat_user_tables AS s ON s.relid = c.oid
WHERE c.oid = 'delivery_state'::regclass
)sql";

constexpr const char* states_sql = R"sql(
SELECT state, count(*), count(*) FILTER (WHERE is_final)
FROM delivery_state GROUP BY state ORDER BY count(*) DESC, state
)sql";

// Each state's share of the table from ANALYZE's sample (pg_stats: the few
// states are all among its most common values), times the estimated rows.
constexpr const char* sampled_states_sql = R"sql(
SELECT x.state, x.share * (SELECT reltuples FROM pg_class
                           WHERE oid = 'delivery_state'::regclass)
FROM pg_stats AS s,
     unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS x(state, share)
WHERE s.schemaname = current_schema() AND s.tablename = 'delivery_state' AND s.attname = 'state'
)sql";

// One pass over the unresolved rows (delivery_state_unresolved): how many,
// and how many due now, per state and age bucket (age_labels).
constexpr const char* unresolved_sql = R"sql(
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

constexpr const char* oldest_sql = R"sql(
SELECT (now() - min(submitted_at))::text FROM delivery_state WHERE NOT is_final
)sql";

// An advisory lock on a bigint key shows in pg_locks as classid (high 32
// bits) and objid (low 32 bits) with objsubid 1; the poller's key is
// hashtextextended('deliveryd.poll/' || scope, 0) (store/scope_locks.cpp).
// pg_stat_activity hides other roles' sessions from an unprivileged role
// (NULL columns), hence the coalesces.
constexpr const char* holders_sql = R"sql(
WITH scopes AS (
    SELECT s AS scope FROM unnest($1::text[]) AS s
    UNION SELECT scope FROM deliveryd_poll_activity
), keys AS (
    SELECT scope, hashtextextended('deliveryd.poll/' || scope, 0) AS key FROM scopes
)
SELECT k.scope,
       CASE WHEN l.pid IS NULL THEN NULL
            ELSE coalesce(host(a.client_addr), 'local socket or hidden') || ' backend ' ||
                 l.pid || ' (' || coalesce(a.application_name, '?') || ')' END,
       coalesce(a.backend_start::text, 'unknown')
FROM keys k
LEFT JOIN pg_locks l
    ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
   AND ((l.classid::bigint << 32) | l.objid::bigint) = k.key
   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
LEFT JOIN pg_stat_activity a ON a.pid = l.pid
ORDER BY k.scope
)sql";

constexpr const char* activity_sql = R"sql(
SELECT account, endpoint, scope, replica, rate_limit, utilisation, queued_calls, due_rows,
       extract(epoch FROM now() - updated_at)::float8
FROM deliveryd_poll_activity ORDER BY account, endpoint
)sql";

}  // namespace

StatusReport read_status(ConnectionPool& pool, std::span<const std::string> scopes,
                         double exact_count_limit) {
    PgArray scope_array;
    for (const auto& scope : scopes) {
        scope_array.add(scope);
    }
    const auto scope_param = scope_array.finish();
    StatusReport report;
    pool.with_connection([&](pqxx::connection_base& c) {
        report = StatusReport{};
        pqxx::read_transaction tx(c);
        const auto table = tx.exec1(table_rows_sql);
        // reltuples is -1 before the first VACUUM or ANALYZE: count then.
        if (table[0].as<double>() > exact_count_limit) {
            report.states_estimated_from = table[1].as<std::string>();
        }
        for (const auto* label : age_labels) {
            report.unresolved_by_age.push_back({label, 0, 0});
        }
        std::map<std::string, std::int64_t> open_by_state;
        for (const auto& row : tx.exec(unresolved_sql)) {
            auto& bucket = report.unresolved_by_age.at(row[1].as<std::size_t>());
            bucket.unresolved += row[2].as<std::int64_t>();
            bucket.due += row[3].as<std::int64_t>();
            open_by_state[row[0].as<std::string>()] += row[2].as<std::int64_t>();
        }
        if (report.states_estimated_from) {
            // Unresolved rows are counted exactly and come out of the
            // estimate of their state for its final count.
            std::map<std::string, double> sampled;
            for (const auto& row : tx.exec(sampled_states_sql)) {
                sampled[row[0].as<std::string>()] = row[1].as<double>();
            }
            for (const auto& [state, open] : open_by_state) {
                sampled.try_emplace(state, 0.0);
            }
            for (const auto& [state, estimate] : sampled) {
                const auto rounded = static_cast<std::int64_t>(std::llround(estimate));
                const auto open = open_by_state.contains(state) ? open_by_state[state] : 0;
                report.states.push_back(
                    {state, std::max(rounded, open), std::max<std::int64_t>(rounded - open, 0)});
            }
            std::sort(report.states.begin(), report.states.end(),
                      [](const StateCount& a, const StateCount& b) {
                          return a.messages != b.messages ? a.messages > b.messages
                                                          : a.state < b.state;
                      });
        } else {
            for (const auto& row : tx.exec(states_sql)) {
                report.states.push_back({row[0].as<std::string>(), row[1].as<std::int64_t>(),
                                         row[2].as<std::int64_t>()});
            }
        }
        const auto oldest = tx.exec1(oldest_sql);
        if (!oldest[0].is_null()) {
            report.oldest_unresolved_age = oldest[0].as<std::string>();
        }
        for (const auto& row : tx.exec_params(holders_sql, scope_param)) {
            ScopeHolder holder{.scope = row[0].as<std::string>(), .holder = {}, .held_since = {}};
            if (!row[1].is_null()) {
                holder.holder = row[1].as<std::string>();
                holder.held_since = row[2].as<std::string>();
            }
            report.scopes.push_back(std::move(holder));
        }
        for (const auto& row : tx.exec(activity_sql)) {
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
            report.activity.push_back(std::move(a));
        }
    });
    return report;
}

}  // namespace deliveryd::store
