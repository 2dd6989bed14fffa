// deliveryd status: counts by state, the unresolved backlog by age, who
// polls which scope, and what each polling replica last reported.
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
// states are all among its most common values), times the estimated rows;
// the unresolved rows, few and indexed (delivery_state_unresolved), are
// counted exactly and taken from the state's total for its final count.
constexpr const char* estimated_states_sql = R"sql(
WITH sampled AS (
    SELECT x.state, x.share * (SELECT reltuples FROM pg_class
                               WHERE oid = 'delivery_state'::regclass) AS messages
    FROM pg_stats AS s,
         unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS x(state, share)
    WHERE s.schemaname = current_schema() AND s.tablename = 'delivery_state'
      AND s.attname = 'state'
), open AS (
    SELECT state, count(*) AS messages FROM delivery_state WHERE NOT is_final GROUP BY state
)
SELECT coalesce(sampled.state, open.state),
       greatest(round(sampled.messages), coalesce(open.messages, 0))::bigint AS messages,
       greatest(round(sampled.messages) - coalesce(open.messages, 0), 0)::bigint
FROM sampled FULL JOIN open ON open.state = sampled.state
ORDER BY 2 DESC, 1
)sql";

// Unresolved rows only: read through delivery_state_unresolved.
constexpr const char* age_sql = R"sql(
WITH buckets(n, label, upper) AS (VALUES
    (1, 'under 1h', interval '1 hour'), (2, '1h-6h', interval '6 hours'),
    (3, '6h-24h', interval '1 day'), (4, '1d-3d', interval '3 days'),
    (5, '3d-7d', interval '7 days'), (6, 'over 7d', NULL))
SELECT b.label, count(u.sms_id), count(u.sms_id) FILTER (WHERE u.next_poll_at <= now())
FROM buckets b
LEFT JOIN (
    SELECT sms_id, next_poll_at, now() - submitted_at AS age
    FROM delivery_state WHERE NOT is_final
) u ON u.age < coalesce(b.upper, interval '1000 years')
   AND u.age >= coalesce((SELECT max(upper) FROM buckets WHERE n < b.n), interval '-1000 years')
GROUP BY b.n, b.label ORDER BY b.n
)sql";

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
        for (const auto& row :
             tx.exec(report.states_estimated_from ? estimated_states_sql : states_sql)) {
            report.states.push_back(
                {row[0].as<std::string>(), row[1].as<std::int64_t>(), row[2].as<std::int64_t>()});
        }
        for (const auto& row : tx.exec(age_sql)) {
            report.unresolved_by_age.push_back(
                {row[0].as<std::string>(), row[1].as<std::int64_t>(), row[2].as<std::int64_t>()});
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
