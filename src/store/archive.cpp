// The archive pass's database side: moving old final rows out of
// delivery_state, and putting a message back together when a late report
// created a fresh row beside its archived one.
#include "deliveryd/store/archive.hpp"

#include <algorithm>
#include <map>

#include <pqxx/pqxx>

#include "deliveryd/core/merge.hpp"

#include "store/archive_restore.hpp"
#include "store/merged_write.hpp"
#include "store/pg_array.hpp"
#include "store/pg_binary_array.hpp"
#include "store/pg_connection.hpp"
#include "store/state_rows.hpp"
#include "store/statements.hpp"

namespace deliveryd::store {
namespace {

// Messages put back together per transaction.
constexpr std::size_t restore_batch = 100;

// One replica searches at a time; the others skip their turn.
constexpr const char* search_lock_sql =
    "SELECT pg_try_advisory_lock(hashtextextended('deliveryd.archive.late', 0))";
constexpr const char* search_unlock_sql =
    "SELECT pg_advisory_unlock(hashtextextended('deliveryd.archive.late', 0))";

constexpr const char* read_mark_sql =
    "SELECT late_checked_through, late_pending_id, "
    "       (extract(epoch FROM late_pending_at) * 1000000)::bigint, "
    "       (extract(epoch FROM now()) * 1000000)::bigint, "
    "       (SELECT coalesce(max(event_id), 0) FROM delivery_event), "
    "       EXISTS (SELECT 1 FROM delivery_state_archive) "
    "FROM deliveryd_archive_progress";

constexpr const char* write_mark_sql =
    "UPDATE deliveryd_archive_progress SET late_checked_through = $1, late_pending_id = $2, "
    "late_pending_at = timestamptz 'epoch' + $3::bigint * interval '1 microsecond'";

// Rows created in the same transaction as a report stored in the id range
// (both take the transaction's now(): submitted_at and received_at are
// equal), whose message has an archived row. A row the sender registered
// was created before its first report and is not looked up in the archive.
constexpr const char* late_rows_sql = R"sql(
SELECT DISTINCT s.sms_id
FROM delivery_event e
JOIN delivery_state s ON s.sms_id = e.sms_id AND s.submitted_at = e.received_at
WHERE e.event_id > $1 AND e.event_id <= $2
  AND EXISTS (SELECT 1 FROM delivery_state_archive a WHERE a.sms_id = s.sms_id)
)sql";

// The fresh rows, locked in byte order (every writer of the store locks in
// that order), before anything else is touched.
std::string lock_fresh_sql() {
    return std::string("SELECT") + statements::state_columns() +
           " FROM delivery_state WHERE sms_id = ANY($1::text[])"
           " ORDER BY sms_id COLLATE \"C\" FOR UPDATE";
}

constexpr const char* delete_fresh_sql =
    "DELETE FROM delivery_state s WHERE s.sms_id = ANY($1::text[]) "
    "AND EXISTS (SELECT 1 FROM delivery_state_archive a WHERE a.sms_id = s.sms_id)";

constexpr const char* unarchive_sql = "SELECT delivery_state_unarchive($1::text[])";

constexpr const char* summary_sql = R"sql(
SELECT c.relname, to_char(p.month_start, 'YYYY-MM'), greatest(c.reltuples, 0)::bigint
FROM (
    SELECT i.inhrelid,
           to_date(substring(c.relname FROM '^delivery_state_archive_(\d{4}_\d{2})$'), 'YYYY_MM')
               AS month_start
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'delivery_state_archive'::regclass
      AND c.relname ~ '^delivery_state_archive_\d{4}_\d{2}$'
) AS p JOIN pg_class c ON c.oid = p.inhrelid
ORDER BY p.month_start
)sql";

constexpr const char* progress_sql =
    "SELECT rows_archived, rows_restored, to_char(last_archived_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM deliveryd_archive_progress";

ScanClock::time_point from_micros(std::int64_t micros) {
    return ScanClock::time_point(std::chrono::microseconds(micros));
}

std::int64_t to_micros(ScanClock::time_point at) {
    return std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
}

std::int64_t restore_in(PgConnection& c, const std::vector<std::string>& ids) {
    PgArray text_ids;
    BinaryArray binary_ids(PgType::text);
    for (const auto& id : ids) {
        text_ids.add(id);
        binary_ids.add(id);
    }
    const auto ids_param = text_ids.finish();
    pqxx::work tx(c);
    RowsById fresh;
    for (const auto& row : tx.exec_params(lock_fresh_sql(), ids_param)) {
        auto state = read_state(row);
        auto id = state.sms_id;
        fresh.emplace(std::move(id), std::move(state));
    }
    tx.exec_params0(delete_fresh_sql, ids_param);
    const auto restored = tx.exec_params1(unarchive_sql, ids_param)[0].as<std::int64_t>();
    // The archived rows are now in delivery_state, locked by this
    // transaction: the version check of the write cannot fail.
    const auto written = read_merge_write(
        c, tx, statements::lock_rows, binary_ids.finish(),
        [&](RowsById archived) {
            MergedBatch out;
            for (auto& [id, row] : archived) {
                const auto found = fresh.find(id);
                if (found == fresh.end()) {
                    continue;
                }
                // The archived row keeps its bookkeeping (account,
                // submitted_at, ...); the fresh row's reports join in.
                auto joined = core::join(row, found->second);
                if (!(joined == row)) {
                    out.changed.emplace(id, std::move(joined));
                }
            }
            return out;
        },
        append_events_params({}));
    if (!written) {
        tx.abort();
        return 0;
    }
    tx.commit();
    return restored;
}

}  // namespace

std::int64_t restore_all(PgConnection& c, std::vector<std::string> ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::int64_t restored = 0;
    for (std::size_t at = 0; at < ids.size(); at += restore_batch) {
        const auto end = std::min(ids.size(), at + restore_batch);
        restored += restore_in(c, {ids.begin() + static_cast<std::ptrdiff_t>(at),
                                   ids.begin() + static_cast<std::ptrdiff_t>(end)});
    }
    return restored;
}

std::int64_t archive_batch(ConnectionPool& pool, std::chrono::milliseconds final_for, int batch) {
    std::int64_t moved = 0;
    pool.with_connection([&](pqxx::connection_base& c) {
        pqxx::work tx(c);
        moved = tx.exec_params1(
                      "SELECT delivery_state_archive_batch("
                      "now() - $1::bigint * interval '1 millisecond', $2)",
                      static_cast<std::int64_t>(final_for.count()), batch)[0]
                    .as<std::int64_t>();
        tx.commit();
    });
    return moved;
}

std::int64_t restore_archived(ConnectionPool& pool, std::vector<std::string> ids) {
    std::int64_t restored = 0;
    pool.with_pg_connection([&](PgConnection& c) { restored = restore_all(c, ids); });
    return restored;
}

std::optional<LateReportPass> restore_late_reports(ConnectionPool& pool,
                                                   std::chrono::seconds overlap) {
    std::optional<LateReportPass> pass;
    pool.with_pg_connection([&](PgConnection& c) {
        pass.reset();
        {
            pqxx::nontransaction n(c);
            if (!n.exec1(search_lock_sql)[0].as<bool>()) {
                return;
            }
        }
        try {
            LateReportMark mark;
            std::int64_t newest = 0;
            bool archive_empty = true;
            ScanClock::time_point now;
            {
                pqxx::read_transaction tx(c);
                const auto row = tx.exec1(read_mark_sql);
                mark.checked_through = row[0].as<std::int64_t>();
                if (!row[1].is_null() && !row[2].is_null()) {
                    mark.pending_id = row[1].as<std::int64_t>();
                    mark.pending_at = from_micros(row[2].as<std::int64_t>());
                }
                now = from_micros(row[3].as<std::int64_t>());
                newest = row[4].as<std::int64_t>();
                archive_empty = !row[5].as<bool>();
            }
            const auto next = next_late_report_mark(mark, newest, now, overlap);
            LateReportPass result;
            result.events_searched_from = next.checked_through;
            if (!archive_empty && newest > next.checked_through) {
                std::vector<std::string> ids;
                {
                    pqxx::read_transaction tx(c);
                    for (const auto& row :
                         tx.exec_params(late_rows_sql, next.checked_through, newest)) {
                        ids.push_back(row[0].as<std::string>());
                    }
                }
                result.restored = restore_all(c, std::move(ids));
            }
            // Written once every message found is whole again: a pass that
            // fails part-way searches the same reports next time.
            if (!(next == mark)) {
                pqxx::work tx(c);
                tx.exec_params0(
                    write_mark_sql, next.checked_through, next.pending_id,
                    next.pending_at ? std::optional(to_micros(*next.pending_at)) : std::nullopt);
                tx.commit();
            }
            pass = result;
        } catch (...) {
            try {
                pqxx::nontransaction n(c);
                n.exec(search_unlock_sql);
            } catch (...) {
                // A broken connection has lost the lock with the session.
            }
            throw;
        }
        pqxx::nontransaction n(c);
        n.exec(search_unlock_sql);
    });
    return pass;
}

ArchiveSummary read_archive_summary(ConnectionPool& pool) {
    ArchiveSummary summary;
    pool.with_connection([&](pqxx::connection_base& c) {
        summary = ArchiveSummary{};
        pqxx::read_transaction tx(c);
        for (const auto& row : tx.exec(summary_sql)) {
            summary.partitions.push_back(
                {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::int64_t>()});
        }
        const auto progress = tx.exec1(progress_sql);
        summary.rows_archived = progress[0].as<std::int64_t>();
        summary.rows_restored = progress[1].as<std::int64_t>();
        if (!progress[2].is_null()) {
            summary.last_archived_at = progress[2].as<std::string>();
        }
    });
    return summary;
}

}  // namespace deliveryd::store
