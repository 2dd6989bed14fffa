// deliveryd requeue: make chosen rows due for polling again.
#include <atomic>
#include <string>

#include <pqxx/pqxx>

#include "deliveryd/store/operator_queries.hpp"

#include "store/pg_array.hpp"

namespace deliveryd::store {
namespace {

// $1 states (NULL: unresolved or expired), $2 updated within N ms of the
// run's start (NULL: any time), $3 account (NULL: any), $4 ids (NULL: any).
// $5 the run's start: the cut-off of $2 stays put while the run goes on, and
// rows this run already requeued are not chosen again (their updated_at is new).
constexpr const char* selection_sql = R"sql(
    FROM delivery_state
    WHERE (CASE WHEN $1::text[] IS NULL THEN NOT is_final OR state = 'expired'
                ELSE state = ANY($1::text[]) END)
      AND ($2::bigint IS NULL
           OR updated_at >= $5::timestamptz - $2::bigint * interval '1 millisecond')
      AND ($3::text IS NULL OR account = $3::text)
      AND ($4::text[] IS NULL OR sms_id = ANY($4::text[]))
      AND (requeued_at IS NULL OR requeued_at < $5::timestamptz)
)sql";

constexpr std::int64_t requeue_chunk_rows = 5'000;

// The selection's ids in byte order, read by one scan. ORDER BY sms_id
// COLLATE "C" cannot use the primary key's index (it has the database's
// collation), so every query ordered that way reads and sorts the whole
// table: re-running the selection for each chunk did that once per 5,000
// rows. A WITH HOLD cursor declared in autocommit is computed once (the
// statement's own transaction commits and keeps the result) and is then
// fetched chunk by chunk without holding a transaction or a lock open.
std::string declare_sql(const std::string& cursor) {
    return "DECLARE " + cursor + " NO SCROLL CURSOR WITH HOLD FOR SELECT sms_id" + selection_sql +
           R"sql(    ORDER BY sms_id COLLATE "C")sql";
}

// $6 a chunk of the ids the cursor returned. Locks them in byte order of
// sms_id (as every writer of delivery_state does, whatever the database's
// collation, so that writers never deadlock) and starts their polling over.
// `sms_id = ANY($6)` lets the primary key find the rows; the selection's
// conditions are checked again because a row may have changed since the
// cursor read it (one that no longer qualifies is left alone), and once
// more after the lock for a row another writer changed meanwhile.
std::string requeue_sql() {
    return std::string(R"sql(
WITH chosen AS (
    SELECT sms_id)sql") +
           selection_sql + R"sql(
      AND sms_id = ANY($6::text[])
    ORDER BY sms_id COLLATE "C"
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

// A name no other run's cursor has, so that a cursor a failure left open on
// a pooled connection could never collide with a later one.
std::string cursor_name() {
    static std::atomic<std::uint64_t> runs{0};
    return "deliveryd_requeue_" + std::to_string(runs.fetch_add(1) + 1);
}

// After a failure: the connection goes back to the pool, and a WITH HOLD
// cursor lives as long as the session, so it is closed here. If it does
// not exist (the DECLARE failed) or the connection is gone, nothing to do.
void close_quietly(pqxx::connection_base& c, const std::string& cursor) noexcept {
    try {
        pqxx::nontransaction tx(c);
        tx.exec("CLOSE " + cursor);
    } catch (...) {
    }
}

}  // namespace

std::int64_t requeue(ConnectionPool& pool, const RequeueSelection& selection, bool dry_run,
                     const Progress& progress) {
    const auto states = array_or_null(selection.states);
    const auto ids = array_or_null(selection.sms_ids);
    const std::optional<std::int64_t> since_ms =
        selection.since ? std::optional(static_cast<std::int64_t>(selection.since->count()))
                        : std::nullopt;
    std::int64_t total = 0;
    pool.with_connection([&](pqxx::connection_base& c) {
        total = 0;
        const auto cursor = cursor_name();
        try {
            // Autocommit: each statement commits by itself, a chunk at a time.
            pqxx::nontransaction tx(c);
            const auto started = tx.exec1("SELECT now()::text")[0].as<std::string>();
            if (dry_run) {
                total = tx.exec_params1(std::string("SELECT count(*)") + selection_sql, states,
                                        since_ms, selection.account, ids, started)[0]
                            .as<std::int64_t>();
                return;
            }
            tx.exec_params(declare_sql(cursor), states, since_ms, selection.account, ids, started);
            const auto fetch = "FETCH " + std::to_string(requeue_chunk_rows) + " FROM " + cursor;
            const auto sql = requeue_sql();
            for (;;) {
                const auto chunk = tx.exec(fetch);
                if (chunk.empty()) {
                    break;
                }
                PgArray chunk_ids;
                for (const auto& row : chunk) {
                    chunk_ids.add(std::string_view(row[0].c_str(), row[0].size()));
                }
                total += tx.exec_params(sql, states, since_ms, selection.account, ids, started,
                                        chunk_ids.finish())
                             .affected_rows();
                if (progress) {
                    progress(total);
                }
                if (static_cast<std::int64_t>(chunk.size()) < requeue_chunk_rows) {
                    break;
                }
            }
            tx.exec("CLOSE " + cursor);
        } catch (...) {
            close_quietly(c, cursor);
            throw;
        }
    });
    return total;
}

}  // namespace deliveryd::store
