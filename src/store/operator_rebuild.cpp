// deliveryd rebuild: recompute rows from the event log, report the rows whose
// stored status differs from what their reports merge to and, asked to,
// write those rows back through the daemon's own write path.
#include <algorithm>
#include <map>
#include <set>

#include <pqxx/pqxx>

#include "deliveryd/core/merge.hpp"
#include "deliveryd/store/operator_queries.hpp"

#include "store/archive_restore.hpp"
#include "store/merged_write.hpp"
#include "store/pg_array.hpp"
#include "store/pg_binary_array.hpp"
#include "store/pg_connection.hpp"
#include "store/state_rows.hpp"
#include "store/statements.hpp"

namespace deliveryd::store {
namespace {

constexpr std::int64_t rebuild_chunk_rows = 1'000;

// The start of the oldest month delivery_event holds in a monthly partition
// (NULL when there is none): rows submitted before it may have lost reports.
constexpr const char* events_since_sql = R"sql(
SELECT min(to_date(substring(c.relname FROM '^delivery_event_(\d{4}_\d{2})$'), 'YYYY_MM')
           ::timestamp AT TIME ZONE 'UTC')::text
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'delivery_event'::regclass AND c.relname ~ '^delivery_event_\d{4}_\d{2}$'
)sql";

// Recent and archived rows alike (delivery_state_all): an archived row's
// reports may still be kept.
std::string rows_sql() {
    return std::string("SELECT") + statements::state_columns() +
           ", requeued_at IS NOT NULL AND NOT is_final, archived"
           " FROM delivery_state_all"
           " WHERE sms_id > $1 AND ($2::text IS NULL OR sms_id = $2)"
           "   AND submitted_at >= coalesce($3::timestamptz, '-infinity')"
           " ORDER BY sms_id LIMIT $4";
}

std::string rebuild_events_sql() {
    return std::string("SELECT") + statements::event_columns() +
           " FROM delivery_event WHERE sms_id = ANY($1::text[]) ORDER BY sms_id, event_id";
}

constexpr const char* skipped_sql =
    "SELECT count(*) FROM delivery_state_all WHERE ($1::text IS NULL OR sms_id = $1) "
    "AND submitted_at < $2::timestamptz";

// What the row's reports alone give: the row as registered (identity and
// submission), every report merged, and the window close it records.
core::State recompute(const core::State& stored, std::span<const core::Observation> reports) {
    core::State row;
    row.sms_id = stored.sms_id;
    row.provider = stored.provider;
    row.account = stored.account;
    row.type_id = stored.type_id;
    row.oa_id = stored.oa_id;
    row.phone = stored.phone;
    row.zalo_user_id = stored.zalo_user_id;
    row.request_id = stored.request_id;
    for (const auto& report : reports) {
        row = core::merge(std::move(row), report);
    }
    if (stored.window_closed && stored.window_closed_at) {
        row = core::close_window(std::move(row), *stored.window_closed_at);
    }
    // Kept by the store and the scheduler, not by merging.
    row.submitted_at = stored.submitted_at;
    row.updated_at = stored.updated_at;
    row.poll_attempts = stored.poll_attempts;
    row.next_poll_at = stored.next_poll_at;
    return row;
}

std::vector<std::string> differing_columns(const core::State& a, const core::State& b) {
    std::vector<std::string> columns;
    const auto check = [&columns](bool same, const char* name) {
        if (!same) {
            columns.emplace_back(name);
        }
    };
    check(a.type_id == b.type_id, "type_id");
    check(a.oa_id == b.oa_id, "oa_id");
    check(a.phone == b.phone, "phone");
    check(a.zalo_user_id == b.zalo_user_id, "zalo_user_id");
    check(a.request_id == b.request_id, "request_id");
    check(a.state == b.state, "state");
    check(a.is_final == b.is_final, "is_final");
    check(a.send_status == b.send_status, "send_status");
    check(a.send_success == b.send_success, "send_success");
    check(a.send_failed == b.send_failed, "send_failed");
    check(a.total_receiver == b.total_receiver, "total_receiver");
    check(a.total_sent == b.total_sent, "total_sent");
    check(a.total_price == b.total_price, "total_price");
    check(a.counts_state == b.counts_state, "counts_state");
    check(a.counts_at == b.counts_at, "counts_at");
    check(a.counts_source == b.counts_source, "counts_source");
    check(a.fallback_sms_status == b.fallback_sms_status, "fallback_sms_status");
    check(a.fallback_sms_at == b.fallback_sms_at, "fallback_sms_at");
    check(a.telco_id == b.telco_id, "telco_id");
    check(a.partner_id == b.partner_id, "partner_id");
    check(a.template_id == b.template_id, "template_id");
    check(a.error_code == b.error_code, "error_code");
    check(a.error_message == b.error_message, "error_message");
    check(a.zalo_status == b.zalo_status, "zalo_status");
    check(a.delivered_at == b.delivered_at, "delivered_at");
    check(a.state_at == b.state_at, "state_at");
    check(a.state_source == b.state_source, "state_source");
    check(a.window_closed == b.window_closed, "window_closed");
    check(a.window_closed_at == b.window_closed_at, "window_closed_at");
    check(a.final_at == b.final_at, "final_at");
    check(a.resolved_by == b.resolved_by, "resolved_by");
    return columns;
}

using ReportsById = std::map<std::string, std::vector<core::Observation>, std::less<>>;

// The reports of `rows`, oldest first, read in `tx`.
ReportsById read_reports(pqxx::transaction_base& tx, const std::string& events_query,
                         const std::vector<const core::State*>& rows) {
    PgArray ids;
    std::map<std::string_view, core::Provider> providers;
    for (const auto* row : rows) {
        ids.add(row->sms_id);
        providers.emplace(row->sms_id, row->provider);
    }
    ReportsById reports;
    for (const auto& e : tx.exec_params(events_query, ids.finish())) {
        const auto id = e[0].as<std::string>();
        reports[id].push_back(read_event(e, providers.at(id)));
    }
    return reports;
}

core::State recompute_from(const core::State& stored, const ReportsById& reports) {
    const auto found = reports.find(stored.sms_id);
    return recompute(stored, found == reports.end() ? std::span<const core::Observation>{}
                                                    : std::span(found->second));
}

// Writes the rows of `ids` back as their reports merge to. The rows are
// locked before their reports are read: every report committed before the
// lock is seen, and none about these rows can commit until this transaction
// ends (a callback's write waits, then finds the row changed and merges
// again on top of it). The number of rows written.
std::int64_t rewrite(PgConnection& c, const std::string& events_query,
                     std::vector<std::string> ids) {
    // Locked in byte order, the order every writer of the store locks in (the
    // scan's ORDER BY follows the database's collation, which may differ),
    // so that this and a callback's batch never wait for each other in a cycle.
    std::sort(ids.begin(), ids.end());
    BinaryArray id_array(PgType::text);
    for (const auto& id : ids) {
        id_array.add(id);
    }
    pqxx::work tx(c);
    std::int64_t written = 0;
    const auto done = read_merge_write(
        c, tx, statements::lock_rows, id_array.finish(),
        [&](RowsById locked) {
            std::vector<const core::State*> rows;
            for (const auto& [id, row] : locked) {
                rows.push_back(&row);
            }
            const auto reports = read_reports(tx, events_query, rows);
            MergedBatch out;
            for (auto& [id, row] : locked) {
                auto rebuilt = recompute_from(row, reports);
                if (!(rebuilt == row)) {
                    out.changed.emplace(id, std::move(rebuilt));
                }
            }
            written = static_cast<std::int64_t>(out.changed.size());
            return out;
        },
        append_events_params({}));
    if (!done) {
        // Locked rows cannot change; only a row deleted meanwhile gets here.
        tx.abort();
        return 0;
    }
    tx.commit();
    return written;
}

}  // namespace

RebuildReport rebuild_rows(ConnectionPool& pool, const std::optional<std::string>& sms_id,
                           RebuildMode mode, std::size_t max_listed, const Progress& progress) {
    const bool apply = mode == RebuildMode::apply;
    RebuildReport report;
    pool.with_pg_connection([&](PgConnection& c) {
        report = RebuildReport{};
        // Reporting reads rows and their reports in one snapshot, however
        // long the scan takes. Applying reads each chunk in a transaction of
        // its own instead, so that no snapshot is held across the whole
        // table and each chunk's writes commit as it goes (rewrite() then
        // checks every row again under its lock).
        std::optional<pqxx::transaction<pqxx::isolation_level::repeatable_read,
                                        pqxx::readwrite_policy::read_only>>
            snapshot;
        if (!apply) {
            snapshot.emplace(c);
        }
        const auto in_chunk = [&](const auto& work) {
            if (snapshot) {
                return work(*snapshot);
            }
            pqxx::read_transaction tx(c);
            return work(tx);
        };
        const auto events_since = in_chunk([&](pqxx::transaction_base& tx) {
            const auto since_field = tx.exec1(events_since_sql)[0];
            const auto since =
                since_field.is_null() ? std::nullopt : std::optional(since_field.as<std::string>());
            if (since) {
                report.rows_skipped =
                    tx.exec_params1(skipped_sql, sms_id, *since)[0].as<std::int64_t>();
            }
            return since;
        });
        const auto rows_query = rows_sql();
        const auto events_query = rebuild_events_sql();
        std::string after;  // keyset: the last id of the previous chunk
        for (;;) {
            std::vector<std::string> differing;
            std::vector<std::string> archived;  // of those, the archived rows
            const auto rows_read = in_chunk([&](pqxx::transaction_base& tx) {
                std::vector<core::State> rows;
                std::set<std::string, std::less<>> requeued;
                std::set<std::string, std::less<>> in_archive;
                for (const auto& r :
                     tx.exec_params(rows_query, after, sms_id, events_since, rebuild_chunk_rows)) {
                    rows.push_back(read_state(r));
                    if (r[after_state_column].as<bool>()) {  // requeued, unresolved
                        requeued.insert(rows.back().sms_id);
                    }
                    if (r[after_state_column + 1].as<bool>()) {
                        in_archive.insert(rows.back().sms_id);
                    }
                }
                std::vector<const core::State*> pointers;
                for (const auto& row : rows) {
                    pointers.push_back(&row);
                }
                const auto reports = read_reports(tx, events_query, pointers);
                for (const auto& row : rows) {
                    if (requeued.contains(row.sms_id)) {
                        ++report.rows_requeued;
                        continue;
                    }
                    ++report.rows_checked;
                    const auto rebuilt = recompute_from(row, reports);
                    if (rebuilt == row) {
                        continue;
                    }
                    ++report.rows_differing;
                    differing.push_back(row.sms_id);
                    if (in_archive.contains(row.sms_id)) {
                        archived.push_back(row.sms_id);
                    }
                    if (report.differences.size() < max_listed) {
                        report.differences.push_back({row.sms_id, differing_columns(row, rebuilt)});
                    }
                }
                if (!rows.empty()) {
                    after = rows.back().sms_id;
                }
                return rows.size();
            });
            if (apply && !differing.empty()) {
                // An archived row is rewritten where rows are written: it
                // moves back to delivery_state first (and, final and old,
                // to the archive again on the daemon's next pass).
                restore_all(c, std::move(archived));
                report.rows_rewritten += rewrite(c, events_query, std::move(differing));
            }
            if (progress) {
                progress(report.rows_checked + report.rows_requeued);
            }
            if (static_cast<std::int64_t>(rows_read) < rebuild_chunk_rows) {
                break;
            }
        }
    });
    return report;
}

}  // namespace deliveryd::store
