// The rows a backlog sweep lists (PollStore::sweep_backlog and
// claim_for_sweep): due SMS and Viber rows of one eSMS account by TypeId,
// due eTelecom ZNS by OA.
#include <algorithm>
#include <array>

#include <pqxx/pqxx>

#include "deliveryd/core/time_text.hpp"
#include "deliveryd/store/poll_store.hpp"

#include "store/pg_array.hpp"

namespace deliveryd::store {
namespace {

// The rows of a scope a listing can sweep, and what groups them (one listing
// call asks about one group): the expressions of the scope's lookup-lane
// partial index (as poll_store.cpp's scope_filter writes them) and then the
// rows a listing can name. $1 is the account (unused for eTelecom).
struct Sweepable {
    const char* rows;
    const char* group;
};

Sweepable sweepable(const PollScope& scope) {
    if (scope.kind == PollScope::Kind::etelecom) {
        return {
            "NOT is_final AND provider = 'etelecom' AND $1::text IS NOT NULL "
            "AND oa_id IS NOT NULL AND (partner_id IS NULL OR partner_id = sms_id)",
            "oa_id"};
    }
    return {
        "NOT is_final AND provider = 'esms' AND (state <> 'sent' OR partner_id IS NULL) "
        "AND account = $1 AND type_id IS NOT NULL AND type_id NOT BETWEEN 24 AND 27 "
        "AND oa_id IS NULL",
        "type_id::text"};
}

// Due sweepable rows outside the windows $2 (groups), $3 (from), $4 (to).
std::string due_outside_windows(const PollScope& scope) {
    const auto s = sweepable(scope);
    return std::string(s.rows) + R"sql(
    AND next_poll_at <= now()
    AND NOT EXISTS (
        SELECT 1 FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS w(g, f, e)
        WHERE w.g = )sql" +
           s.group + " AND submitted_at BETWEEN w.f AND w.e)";
}

std::string sweep_backlog_sql(const PollScope& scope) {
    return std::string("SELECT g, count(*) FROM (SELECT ") + sweepable(scope).group +
           " AS g FROM delivery_state WHERE " + due_outside_windows(scope) +
           " LIMIT $5) AS due GROUP BY g ORDER BY g";
}

std::string sweep_claim_sql(const PollScope& scope) {
    return std::string(R"sql(
WITH due AS (
    SELECT sms_id AS due_id FROM delivery_state
    WHERE )sql") +
           due_outside_windows(scope) + " AND " + sweepable(scope).group + R"sql( = $5
    ORDER BY submitted_at
    LIMIT $6
    FOR UPDATE SKIP LOCKED
)
UPDATE delivery_state AS d
SET next_poll_at = now() + $7 * interval '1 millisecond', polled_at = now()
FROM due
WHERE d.sms_id = due.due_id
RETURNING d.sms_id, d.poll_attempts,
    (extract(epoch FROM coalesce(d.requeued_at, greatest(d.submitted_at, d.scheduled_at)))
        * 1000000)::bigint,
    (extract(epoch FROM d.submitted_at) * 1000000)::bigint)sql";
}

std::string account_parameter(const PollScope& scope) {
    return scope.kind == PollScope::Kind::etelecom ? std::string("etelecom") : scope.account;
}

std::array<std::string, 3> window_parameters(std::span<const SweptWindow> recent) {
    PgArray groups;
    PgArray from;
    PgArray to;
    for (const auto& w : recent) {
        groups.add(w.group);
        from.add(core::format_rfc3339(w.from));
        to.add(core::format_rfc3339(w.to));
    }
    return {groups.finish(), from.finish(), to.finish()};
}

core::Timestamp micros(const pqxx::field& field) {
    return core::Timestamp(std::chrono::microseconds(field.as<std::int64_t>()));
}

}  // namespace

std::vector<SweepBacklog> PollStore::sweep_backlog(const PollScope& scope,
                                                   std::span<const SweptWindow> recent,
                                                   std::size_t count_cap) {
    const auto windows = window_parameters(recent);
    std::vector<SweepBacklog> backlog;
    pool_.with_connection([&](pqxx::connection_base& c) {
        backlog.clear();
        pqxx::read_transaction tx(c);
        for (const auto& row :
             tx.exec_params(sweep_backlog_sql(scope), account_parameter(scope), windows[0],
                            windows[1], windows[2], static_cast<std::int64_t>(count_cap))) {
            backlog.push_back({row[0].as<std::string>(), row[1].as<std::size_t>()});
        }
    });
    return backlog;
}

SweepRows PollStore::claim_for_sweep(const PollScope& scope, const std::string& group,
                                     std::span<const SweptWindow> recent, std::size_t limit,
                                     std::chrono::milliseconds lease) {
    const auto windows = window_parameters(recent);
    SweepRows claimed;
    pool_.with_connection([&](pqxx::connection_base& c) {
        claimed = SweepRows{};
        pqxx::nontransaction tx(c);  // one statement: its own transaction
        const auto result = tx.exec_params(
            sweep_claim_sql(scope), account_parameter(scope), windows[0], windows[1], windows[2],
            group, static_cast<std::int64_t>(limit), static_cast<std::int64_t>(lease.count()));
        claimed.rows.reserve(result.size());
        for (const auto& row : result) {
            claimed.rows.push_back(
                SweptRow{row[0].as<std::string>(), micros(row[2]), row[1].as<int>()});
            const auto created = micros(row[3]);
            if (claimed.rows.size() == 1) {
                claimed.first_created = claimed.last_created = created;
            } else {
                claimed.first_created = std::min(claimed.first_created, created);
                claimed.last_created = std::max(claimed.last_created, created);
            }
        }
    });
    return claimed;
}

std::vector<std::string> PollStore::unresolved_among(std::span<const std::string> sms_ids,
                                                     core::Provider provider) {
    PgArray ids;
    for (const auto& id : sms_ids) {
        ids.add(id);
    }
    const auto ids_param = ids.finish();
    std::vector<std::string> found;
    pool_.with_connection([&](pqxx::connection_base& c) {
        found.clear();
        pqxx::read_transaction tx(c);
        for (const auto& row :
             tx.exec_params("SELECT sms_id FROM delivery_state "
                            "WHERE sms_id = ANY($1::text[]) AND provider = $2 AND NOT is_final",
                            ids_param, std::string(core::to_string(provider)))) {
            found.push_back(row[0].as<std::string>());
        }
    });
    return found;
}

}  // namespace deliveryd::store
