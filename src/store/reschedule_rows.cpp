#include "store/reschedule_rows.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string_view>

#include <pqxx/pqxx>

#include "store/pg_array.hpp"

namespace deliveryd::store {
namespace {

// Not prepared: its UPDATE ... FROM is a join, and a plan cached while the
// table was small would be kept as it grows (statements.cpp).
//
// Locks in the order of the ids (reschedule_rows sorts them), one
// primary-key probe each, then writes. A join could lock in table order and
// deadlock with a batch of callbacks locking the same rows in key order.
constexpr const char* reschedule_sql = R"sql(
WITH u AS MATERIALIZED (
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[]) WITH ORDINALITY
        AS u(id, next_at, answered, n)
),
locked AS MATERIALIZED (
    SELECT u.id, u.next_at, u.answered
    FROM u CROSS JOIN LATERAL (
        SELECT 1 FROM delivery_state WHERE sms_id = u.id FOR UPDATE
    ) AS l
)
UPDATE delivery_state AS d
SET poll_attempts = d.poll_attempts + locked.answered,
    next_poll_at = CASE WHEN d.is_final THEN NULL
                        ELSE timestamptz 'epoch' + locked.next_at * interval '1 microsecond' END
FROM locked
WHERE d.sms_id = locked.id
)sql";

struct Step {
    core::Timestamp next_poll_at;
    std::int64_t answered = 0;
};

}  // namespace

void reschedule_rows(pqxx::transaction_base& tx, std::span<const Reschedule> rows) {
    if (rows.empty()) {
        return;
    }
    std::map<std::string_view, Step, std::less<>> steps;  // key order: the order rows are locked in
    for (const auto& row : rows) {
        auto& step = steps[row.sms_id];
        step.next_poll_at = row.next_poll_at;
        step.answered += row.count_attempt ? 1 : 0;
    }
    PgArray ids;
    PgArray next;
    PgArray answered;
    for (const auto& [id, step] : steps) {
        ids.add(id);
        next.add(static_cast<std::int64_t>(step.next_poll_at.time_since_epoch().count()));
        answered.add(step.answered);
    }
    tx.exec_params(reschedule_sql, ids.finish(), next.finish(), answered.finish());
}

}  // namespace deliveryd::store
