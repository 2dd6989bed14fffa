// deliveryd requeue: make chosen rows due for polling again.
#include <pqxx/pqxx>

#include "deliveryd/store/operator_queries.hpp"

#include "store/pg_array.hpp"

namespace deliveryd::store {
namespace {

// $1 states (NULL: unresolved or expired), $2 updated within N ms (NULL: any time), $3 account
// (NULL: any), $4 ids (NULL: any). $5 the run's start: rows this run already
// requeued are not chosen again (their updated_at is new).
constexpr const char* selection_sql = R"sql(
    FROM delivery_state
    WHERE (CASE WHEN $1::text[] IS NULL THEN NOT is_final OR state = 'expired'
                ELSE state = ANY($1::text[]) END)
      AND ($2::bigint IS NULL OR updated_at >= now() - $2::bigint * interval '1 millisecond')
      AND ($3::text IS NULL OR account = $3::text)
      AND ($4::text[] IS NULL OR sms_id = ANY($4::text[]))
      AND (requeued_at IS NULL OR requeued_at < $5::timestamptz)
)sql";

constexpr std::int64_t chunk_rows = 5'000;

// Locks a chunk in byte order of sms_id (as every writer of delivery_state
// does, whatever the database's collation) and starts its polling over.
std::string requeue_sql() {
    return std::string(R"sql(
WITH chosen AS (
    SELECT sms_id)sql") +
           selection_sql + R"sql(
    ORDER BY sms_id COLLATE "C"
    LIMIT $6
    FOR UPDATE
)
UPDATE delivery_state AS d
SET next_poll_at = now(),
    requeued_at = $5::timestamptz,
    poll_attempts = 0,
    is_final = false,
    window_closed = false,
    window_closed_at = NULL,
    final_at = NULL,
    resolved_by = NULL,
    state = CASE WHEN d.state = 'expired' THEN 'submitted' ELSE d.state END,
    updated_at = now()
FROM chosen
WHERE d.sms_id = chosen.sms_id
)sql";
}

std::optional<std::string> array_or_null(const std::vector<std::string>& values) {
    if (values.empty()) {
        return std::nullopt;
    }
    PgArray array;
    for (const auto& v : values) {
        array.add(v);
    }
    return array.finish();
}

}  // namespace

std::int64_t requeue(ConnectionPool& pool, const RequeueSelection& selection, bool dry_run) {
    const auto states = array_or_null(selection.states);
    const auto ids = array_or_null(selection.sms_ids);
    const std::optional<std::int64_t> since_ms =
        selection.since ? std::optional(static_cast<std::int64_t>(selection.since->count()))
                        : std::nullopt;
    std::int64_t total = 0;
    pool.with_connection([&](pqxx::connection_base& c) {
        total = 0;
        pqxx::nontransaction tx(c);
        const auto started = tx.exec1("SELECT now()::text")[0].as<std::string>();
        if (dry_run) {
            total = tx.exec_params1(std::string("SELECT count(*)") + selection_sql, states,
                                    since_ms, selection.account, ids, started)[0]
                        .as<std::int64_t>();
            return;
        }
        const auto sql = requeue_sql();
        for (;;) {
            // Each statement commits by itself: a chunk at a time.
            const auto changed =
                tx.exec_params(sql, states, since_ms, selection.account, ids, started, chunk_rows)
                    .affected_rows();
            total += changed;
            if (changed < chunk_rows) {
                break;
            }
        }
    });
    return total;
}

}  // namespace deliveryd::store
