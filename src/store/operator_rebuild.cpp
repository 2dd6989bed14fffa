// deliveryd rebuild: recompute rows from the event log and report the rows
// whose stored status differs from what their reports merge to.
#include <map>
#include <set>

#include <pqxx/pqxx>

#include "deliveryd/core/merge.hpp"
#include "deliveryd/store/operator_queries.hpp"

#include "store/pg_array.hpp"
#include "store/state_rows.hpp"
#include "store/statements.hpp"

namespace deliveryd::store {
namespace {

constexpr std::int64_t chunk_rows = 1'000;

// The start of the oldest month delivery_event holds in a monthly partition
// (NULL when there is none): rows submitted before it may have lost reports.
constexpr const char* events_since_sql = R"sql(
SELECT min(to_date(substring(c.relname FROM '^delivery_event_(\d{4}_\d{2})$'), 'YYYY_MM')
           ::timestamp AT TIME ZONE 'UTC')::text
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'delivery_event'::regclass AND c.relname ~ '^delivery_event_\d{4}_\d{2}$'
)sql";

std::string rows_sql() {
    return std::string("SELECT") + statements::state_columns() +
           ", requeued_at IS NOT NULL AND NOT is_final"
           " FROM delivery_state"
           " WHERE sms_id > $1 AND ($2::text IS NULL OR sms_id = $2)"
           "   AND submitted_at >= coalesce($3::timestamptz, '-infinity')"
           " ORDER BY sms_id LIMIT $4";
}

std::string events_sql() {
    return std::string("SELECT") + event_columns +
           " FROM delivery_event WHERE sms_id = ANY($1::text[]) ORDER BY sms_id, event_id";
}

constexpr const char* skipped_sql =
    "SELECT count(*) FROM delivery_state WHERE ($1::text IS NULL OR sms_id = $1) "
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

}  // namespace

RebuildReport rebuild_rows(ConnectionPool& pool, const std::optional<std::string>& sms_id,
                           std::size_t max_listed) {
    RebuildReport report;
    pool.with_connection([&](pqxx::connection_base& c) {
        report = RebuildReport{};
        // One snapshot: rows and their reports as of the same moment, however
        // long the scan takes.
        pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only>
            tx(c);
        const auto since_field = tx.exec1(events_since_sql)[0];
        const auto events_since =
            since_field.is_null() ? std::nullopt : std::optional(since_field.as<std::string>());
        if (events_since) {
            report.rows_skipped =
                tx.exec_params1(skipped_sql, sms_id, *events_since)[0].as<std::int64_t>();
        }
        const auto rows_query = rows_sql();
        const auto events_query = events_sql();
        std::string after;  // keyset: the last id of the previous chunk
        for (;;) {
            std::vector<core::State> rows;
            std::set<std::string, std::less<>> requeued;
            for (const auto& r :
                 tx.exec_params(rows_query, after, sms_id, events_since, chunk_rows)) {
                rows.push_back(read_state(r));
                if (r[row_version_column].as<bool>()) {  // the column after the State's
                    requeued.insert(rows.back().sms_id);
                }
            }
            if (rows.empty()) {
                break;
            }
            PgArray ids;
            for (const auto& row : rows) {
                ids.add(row.sms_id);
            }
            std::map<std::string, std::vector<core::Observation>, std::less<>> reports;
            std::map<std::string_view, core::Provider> providers;
            for (const auto& row : rows) {
                providers.emplace(row.sms_id, row.provider);
            }
            for (const auto& e : tx.exec_params(events_query, ids.finish())) {
                const auto id = e[0].as<std::string>();
                reports[id].push_back(read_event(e, providers.at(id)));
            }
            for (const auto& row : rows) {
                const auto found = reports.find(row.sms_id);
                const auto rebuilt =
                    recompute(row, found == reports.end() ? std::span<const core::Observation>{}
                                                          : std::span(found->second));
                if (requeued.contains(row.sms_id)) {
                    ++report.rows_requeued;
                    continue;
                }
                ++report.rows_checked;
                if (rebuilt == row) {
                    continue;
                }
                ++report.rows_differing;
                if (report.differences.size() < max_listed) {
                    report.differences.push_back({row.sms_id, differing_columns(row, rebuilt)});
                }
            }
            after = rows.back().sms_id;
            if (static_cast<std::int64_t>(rows.size()) < chunk_rows) {
                break;
            }
        }
    });
    return report;
}

}  // namespace deliveryd::store
