#include "deliveryd/store/poll_store.hpp"

#include <algorithm>
#include <array>

#include <pqxx/pqxx>

#include "store/pg_array.hpp"
#include "store/reschedule_rows.hpp"
#include "store/state_rows.hpp"
#include "store/statements.hpp"

namespace deliveryd::store {
namespace {

// The rows of one scope and lane, as the WHERE clause that matches its
// partial index (the same expressions as the index predicates, so the
// planner can prove the index applies). $1 is the account for an eSMS scope
// and unused (but typed) for eTelecom.
const char* scope_filter(const PollScope& scope, ClaimLane lane) {
    if (scope.kind == PollScope::Kind::etelecom) {
        return "NOT is_final AND provider = 'etelecom' AND $1::text IS NOT NULL";
    }
    return lane == ClaimLane::zalo_delivery
               ? "NOT is_final AND provider = 'esms' AND state = 'sent' AND partner_id IS NOT NULL "
                 "AND account = $1"
               : "NOT is_final AND provider = 'esms' AND (state <> 'sent' OR partner_id IS NULL) "
                 "AND account = $1";
}

// These statements are not prepared: each runs with a plan made for the
// table as it is now. A claim runs once per tick, and a plan cached while
// the table was small would be kept as it grows (statements.cpp).

// After the State's columns: where the row's polling window starts. A
// requeue starts it over; a message scheduled for later (eSMS keeps it
// waiting until then) starts it at its scheduled time, so that a campaign
// planned days ahead is not polled early and expired before it goes out.
constexpr const char* window_start_column =
    ", (extract(epoch FROM coalesce(requeued_at, greatest(submitted_at, scheduled_at)))"
    " * 1000000)::bigint";
constexpr int window_start_index = after_state_column;

std::string claim_sql(const PollScope& scope, ClaimLane lane) {
    return std::string(R"sql(
WITH due AS (
    SELECT sms_id AS due_id FROM delivery_state
    WHERE )sql") +
           scope_filter(scope, lane) + R"sql( AND next_poll_at <= now()
    ORDER BY next_poll_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE delivery_state AS d
SET next_poll_at = now() + $3 * interval '1 millisecond', polled_at = now()
FROM due
WHERE d.sms_id = due.due_id
RETURNING)sql" +
           statements::state_columns() + window_start_column;
}

// $4..$7: the EarlyClaim's min gap, max gap (seconds), age share and max age
// (seconds). The age and the time since the row was last claimed are in
// seconds. Every claim notes when it took the row (polled_at), so a row
// whose call is still waiting is not taken again before its gap.
std::string claim_early_sql(const PollScope& scope, ClaimLane lane) {
    return std::string(R"sql(
WITH candidate AS (
    SELECT sms_id, next_poll_at,
        extract(epoch FROM now() - coalesce(polled_at, submitted_at)) AS since,
        greatest($4::float8, least($5::float8,
            extract(epoch FROM now() - submitted_at) * $6::float8)) AS gap
    FROM delivery_state
    WHERE )sql") +
           scope_filter(scope, lane) + R"sql( AND next_poll_at > now()
        AND submitted_at > now() - $7::float8 * interval '1 second'
),
early AS (
    SELECT d.sms_id AS early_id, c.next_poll_at AS due_at
    FROM candidate AS c JOIN delivery_state AS d USING (sms_id)
    WHERE c.since >= c.gap AND d.next_poll_at > now()
    ORDER BY c.since / c.gap DESC
    LIMIT $2
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE delivery_state AS d
SET next_poll_at = now() + $3 * interval '1 millisecond', polled_at = now()
FROM early
WHERE d.sms_id = early.early_id
RETURNING)sql" +
           statements::state_columns() + window_start_column +
           ", (extract(epoch FROM early.due_at) * 1000000)::bigint";
}

constexpr const char* release_sql = R"sql(
WITH locked AS MATERIALIZED (
    SELECT u.id
    FROM unnest($1::text[]) WITH ORDINALITY AS u(id, n) CROSS JOIN LATERAL (
        SELECT 1 FROM delivery_state WHERE sms_id = u.id AND NOT is_final FOR UPDATE
    ) AS l
)
UPDATE delivery_state AS d SET next_poll_at = now()
FROM locked
WHERE d.sms_id = locked.id AND NOT d.is_final
)sql";

std::string backlog_sql(const PollScope& scope, ClaimLane lane) {
    return std::string(R"sql(
SELECT count(*), (extract(epoch FROM min(next_poll_at)) * 1000000)::bigint
FROM (
    SELECT next_poll_at FROM delivery_state
    WHERE )sql") +
           scope_filter(scope, lane) + R"sql( AND next_poll_at <= now()
    ORDER BY next_poll_at
    LIMIT $2
) AS due
)sql";
}

constexpr const char* record_activity_sql = R"sql(
INSERT INTO deliveryd_poll_activity AS a
    (account, endpoint, scope, replica, rate_limit, utilisation, queued_calls, due_rows, updated_at)
SELECT k.account, k.endpoint, $3, $4, k.rate_limit, k.utilisation, k.queued, $8, now()
FROM unnest($1::text[], $2::text[], $5::float8[], $6::float8[], $7::int[])
    AS k(account, endpoint, rate_limit, utilisation, queued)
ORDER BY 1, 2
ON CONFLICT (account, endpoint) DO UPDATE
SET scope = excluded.scope, replica = excluded.replica, rate_limit = excluded.rate_limit,
    utilisation = excluded.utilisation, queued_calls = excluded.queued_calls,
    due_rows = excluded.due_rows, updated_at = excluded.updated_at
)sql";

std::string scope_parameter(const PollScope& scope) {
    return scope.kind == PollScope::Kind::etelecom ? std::string("etelecom") : scope.account;
}

}  // namespace

std::vector<ClaimLane> lanes_of(const PollScope& scope) {
    if (scope.kind == PollScope::Kind::etelecom) {
        return {ClaimLane::lookup};
    }
    return {ClaimLane::lookup, ClaimLane::zalo_delivery};
}

std::string PollScope::name() const {
    return kind == Kind::etelecom ? std::string("etelecom") : "esms/" + account;
}

std::vector<core::State> PollStore::claim_due(const PollScope& scope, std::size_t limit,
                                              std::chrono::milliseconds lease, ClaimLane lane) {
    std::vector<core::State> rows;
    if (limit == 0) {
        return rows;
    }
    const auto sql = claim_sql(scope, lane);
    pool_.with_connection([&](pqxx::connection_base& c) {
        rows.clear();
        pqxx::nontransaction tx(c);  // one statement: its own transaction
        const auto result =
            tx.exec_params(sql, scope_parameter(scope), static_cast<std::int64_t>(limit),
                           static_cast<std::int64_t>(lease.count()));
        rows.reserve(result.size());
        for (const auto& row : result) {
            rows.push_back(read_state(row));
            rows.back().submitted_at = core::Timestamp(
                std::chrono::microseconds(row[window_start_index].as<std::int64_t>()));
        }
    });
    // RETURNING gives no order, and the lease has overwritten each row's due
    // time: oldest submitted first is the nearest to oldest due first that is
    // left, and it is what the planner's call order follows.
    std::stable_sort(rows.begin(), rows.end(), [](const core::State& a, const core::State& b) {
        return a.submitted_at < b.submitted_at;
    });
    return rows;
}

std::vector<EarlyRow> PollStore::claim_early(const PollScope& scope, std::size_t limit,
                                             std::chrono::milliseconds lease, ClaimLane lane,
                                             const EarlyClaim& rule) {
    std::vector<EarlyRow> rows;
    if (limit == 0) {
        return rows;
    }
    const auto seconds = [](std::chrono::milliseconds d) {
        return std::chrono::duration<double>(d).count();
    };
    const auto sql = claim_early_sql(scope, lane);
    pool_.with_connection([&](pqxx::connection_base& c) {
        rows.clear();
        pqxx::nontransaction tx(c);  // one statement: its own transaction
        const auto result =
            tx.exec_params(sql, scope_parameter(scope), static_cast<std::int64_t>(limit),
                           static_cast<std::int64_t>(lease.count()), seconds(rule.min_gap),
                           seconds(rule.max_gap), rule.age_share, seconds(rule.max_age));
        rows.reserve(result.size());
        for (const auto& row : result) {
            EarlyRow early{read_state(row), core::Timestamp(std::chrono::microseconds(
                                                row[window_start_index + 1].as<std::int64_t>()))};
            early.row.submitted_at = core::Timestamp(
                std::chrono::microseconds(row[window_start_index].as<std::int64_t>()));
            rows.push_back(std::move(early));
        }
    });
    return rows;
}

void PollStore::reschedule(std::span<const Reschedule> rows) {
    if (rows.empty()) {
        return;
    }
    pool_.with_connection([&](pqxx::connection_base& c) {
        pqxx::nontransaction tx(c);
        reschedule_rows(tx, rows);
    });
}

void PollStore::release(std::span<const std::string> sms_ids) {
    if (sms_ids.empty()) {
        return;
    }
    std::vector<std::string_view> sorted(sms_ids.begin(), sms_ids.end());
    std::sort(sorted.begin(), sorted.end());
    PgArray ids;
    for (const auto id : sorted) {
        ids.add(id);
    }
    const auto ids_param = ids.finish();
    pool_.with_connection([&](pqxx::connection_base& c) {
        pqxx::nontransaction tx(c);
        tx.exec_params(release_sql, ids_param);
    });
}

void PollStore::record_activity(const PollScope& scope, const std::string& replica,
                                std::size_t due_rows, std::span<const KeyActivity> keys) {
    if (keys.empty()) {
        return;
    }
    PgArray accounts;
    PgArray endpoints;
    PgArray limits;
    PgArray utilisations;
    PgArray queued;
    for (const auto& key : keys) {
        accounts.add(key.account);
        endpoints.add(key.endpoint);
        limits.add(key.rate_limit);
        utilisations.add(key.utilisation);
        queued.add(static_cast<std::int64_t>(key.queued_calls));
    }
    const auto params = std::array{accounts.finish(), endpoints.finish(), limits.finish(),
                                   utilisations.finish(), queued.finish()};
    pool_.with_connection([&](pqxx::connection_base& c) {
        pqxx::nontransaction tx(c);
        tx.exec_params(record_activity_sql, params[0], params[1], scope.name(), replica, params[2],
                       params[3], params[4], static_cast<std::int64_t>(due_rows));
    });
}

Backlog PollStore::due_backlog(const PollScope& scope, std::size_t count_cap) {
    Backlog backlog;
    pool_.with_connection([&](pqxx::connection_base& c) {
        backlog = Backlog{};
        pqxx::read_transaction tx(c);
        for (const auto lane : lanes_of(scope)) {
            const auto row = tx.exec_params1(backlog_sql(scope, lane), scope_parameter(scope),
                                             static_cast<std::int64_t>(count_cap));
            backlog.due_rows += row[0].as<std::size_t>();
            if (!row[1].is_null()) {
                const core::Timestamp oldest(std::chrono::microseconds(row[1].as<std::int64_t>()));
                backlog.oldest_due =
                    backlog.oldest_due ? std::min(*backlog.oldest_due, oldest) : oldest;
            }
        }
    });
    backlog.due_rows = std::min(backlog.due_rows, count_cap);
    return backlog;
}

}  // namespace deliveryd::store
