// The rows an SMS backlog sweep lists (PollStore::sweep_backlog and
// claim_for_sweep): due SMS and Viber rows of one eSMS account, by TypeId.
#include <algorithm>
#include <array>

#include <pqxx/pqxx>

#include "deliveryd/core/time_text.hpp"
#include "deliveryd/store/poll_store.hpp"

#include "store/pg_array.hpp"

namespace deliveryd::store {
namespace {

// Due rows of the account's lookup lane (the expressions of its partial
// index, as poll_store.cpp's scope_filter writes them) that are SMS or Viber
// with a TypeId, outside the windows $2 (types), $3 (from), $4 (to).
constexpr const char* sweepable = R"sql(
    NOT is_final AND provider = 'esms' AND (state <> 'sent' OR partner_id IS NULL)
    AND account = $1 AND next_poll_at <= now()
    AND type_id IS NOT NULL AND type_id NOT BETWEEN 24 AND 27 AND oa_id IS NULL
    AND NOT EXISTS (
        SELECT 1 FROM unnest($2::int[], $3::timestamptz[], $4::timestamptz[]) AS w(t, f, e)
        WHERE w.t = type_id AND submitted_at BETWEEN w.f AND w.e))sql";

std::string backlog_sql() {
    return std::string("SELECT type_id, count(*) FROM (SELECT type_id FROM delivery_state WHERE") +
           sweepable + " LIMIT $5) AS due GROUP BY type_id ORDER BY type_id";
}

std::string claim_sql() {
    return std::string(R"sql(
WITH due AS (
    SELECT sms_id AS due_id FROM delivery_state
    WHERE)sql") +
           sweepable + R"sql( AND type_id = $5
    ORDER BY submitted_at
    LIMIT $6
    FOR UPDATE SKIP LOCKED
)
UPDATE delivery_state AS d
SET next_poll_at = now() + $7 * interval '1 millisecond'
FROM due
WHERE d.sms_id = due.due_id
RETURNING d.sms_id, d.poll_attempts,
    (extract(epoch FROM coalesce(d.requeued_at, greatest(d.submitted_at, d.scheduled_at)))
        * 1000000)::bigint,
    (extract(epoch FROM d.submitted_at) * 1000000)::bigint)sql";
}

std::array<std::string, 3> window_parameters(std::span<const SweptWindow> recent) {
    PgArray types;
    PgArray from;
    PgArray to;
    for (const auto& w : recent) {
        types.add(static_cast<std::int64_t>(w.type_id));
        from.add(core::format_rfc3339(w.from));
        to.add(core::format_rfc3339(w.to));
    }
    return {types.finish(), from.finish(), to.finish()};
}

core::Timestamp micros(const pqxx::field& field) {
    return core::Timestamp(std::chrono::microseconds(field.as<std::int64_t>()));
}

}  // namespace

std::vector<SweepBacklog> PollStore::sweep_backlog(const std::string& account,
                                                   std::span<const SweptWindow> recent,
                                                   std::size_t count_cap) {
    const auto windows = window_parameters(recent);
    std::vector<SweepBacklog> backlog;
    pool_.with_connection([&](pqxx::connection_base& c) {
        backlog.clear();
        pqxx::read_transaction tx(c);
        for (const auto& row : tx.exec_params(backlog_sql(), account, windows[0], windows[1],
                                              windows[2], static_cast<std::int64_t>(count_cap))) {
            backlog.push_back({row[0].as<int>(), row[1].as<std::size_t>()});
        }
    });
    return backlog;
}

SweepRows PollStore::claim_for_sweep(const std::string& account, int type_id,
                                     std::span<const SweptWindow> recent, std::size_t limit,
                                     std::chrono::milliseconds lease) {
    const auto windows = window_parameters(recent);
    SweepRows claimed;
    pool_.with_connection([&](pqxx::connection_base& c) {
        claimed = SweepRows{};
        pqxx::nontransaction tx(c);  // one statement: its own transaction
        const auto result = tx.exec_params(claim_sql(), account, windows[0], windows[1], windows[2],
                                           type_id, static_cast<std::int64_t>(limit),
                                           static_cast<std::int64_t>(lease.count()));
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

}  // namespace deliveryd::store
