// deliveryd status: counts by state, the unresolved backlog by age, who
// polls which scope, and what each polling replica last reported.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include <pqxx/pqxx>

#include "deliveryd/store/operator_queries.hpp"

#include "store/pg_array.hpp"
#include "store/status_sql.hpp"

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
        for (const auto* label : status_sql::age_labels) {
            report.unresolved_by_age.push_back({label, 0, 0});
        }
        std::map<std::string, std::int64_t> open_by_state;
        for (const auto& row : tx.exec(status_sql::unresolved)) {
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
        const auto oldest = tx.exec1(status_sql::oldest_unresolved);
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
        for (const auto& row : tx.exec(status_sql::activity)) {
            report.activity.push_back(status_sql::activity_row(row));
        }
    });
    return report;
}

}  // namespace deliveryd::store
