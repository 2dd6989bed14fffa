#include "app/archive_task.hpp"

#include <chrono>
#include <limits>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <spdlog/spdlog.h>

#include "deliveryd/net/offload.hpp"
#include "deliveryd/store/archive.hpp"

#include "app/daemon_timeouts.hpp"

namespace deliveryd::app {

namespace asio = boost::asio;

namespace {

constexpr std::chrono::seconds pass_interval{30};
// Moving stops for the pass after this long, and the next pass starts
// after `catching_up` instead of the interval while rows remain: a first
// pass over months of rows proceeds at two thirds of the database time it
// could take, leaving the rest to the callbacks.
constexpr std::chrono::seconds moving_budget{10};
constexpr std::chrono::seconds catching_up{5};
// Every report is searched for by the searches that start within this long
// of its event id being handed out (store/late_report_scan.hpp), so it must
// outlast the latest a report's transaction can commit plus one pass. Every
// transaction that stores reports is deliveryd's own, bounded by its
// timeouts (daemon_timeouts.hpp). Each search reads the reports of about
// this long again, so it is kept short: at 1,000 reports/s a search reads
// 120,000 to 150,000.
constexpr std::chrono::minutes search_overlap{2};
static_assert(search_overlap >= longest_report_commit + pass_interval);

}  // namespace

asio::awaitable<void> keep_archiving(asio::thread_pool& db_threads, store::ConnectionPool& pool,
                                     const ArchiveConfig& config, prometheus::Registry& registry,
                                     asio::steady_timer& timer, const std::atomic<bool>& stopping) {
    auto& archived = prometheus::BuildCounter()
                         .Name("deliveryd_archive_rows_moved_total")
                         .Help("Rows this replica moved from delivery_state to the archive")
                         .Register(registry)
                         .Add({});
    auto& restored =
        prometheus::BuildCounter()
            .Name("deliveryd_archive_rows_restored_total")
            .Help("Archived messages this replica put back in delivery_state for a late report")
            .Register(registry)
            .Add({});
    auto& passes = prometheus::BuildCounter()
                       .Name("deliveryd_archive_passes_total")
                       .Help("Archive passes, by result: done or failed (retried next pass)")
                       .Register(registry);
    auto& passes_done = passes.Add({{"result", "done"}});
    auto& passes_failed = passes.Add({{"result", "failed"}});
    auto& partitions = prometheus::BuildGauge()
                           .Name("deliveryd_archive_partitions")
                           .Help("Monthly partitions of delivery_state_archive; NaN until read")
                           .Register(registry)
                           .Add({});
    auto& archive_rows = prometheus::BuildGauge()
                             .Name("deliveryd_archive_rows_estimate")
                             .Help("Rows in delivery_state_archive, from the planner's statistics")
                             .Register(registry)
                             .Add({});
    partitions.Set(std::numeric_limits<double>::quiet_NaN());
    archive_rows.Set(std::numeric_limits<double>::quiet_NaN());

    while (!stopping) {
        auto next = pass_interval;
        try {
            std::int64_t moved = 0;
            const auto until = std::chrono::steady_clock::now() + moving_budget;
            while (!stopping) {
                const auto step = co_await net::offload(db_threads, [&] {
                    return store::archive_batch(pool, config.after, config.batch);
                });
                moved += step;
                archived.Increment(static_cast<double>(step));
                if (step < config.batch) {
                    break;
                }
                if (std::chrono::steady_clock::now() >= until) {
                    next = catching_up;
                    break;
                }
            }
            const auto late = co_await net::offload(
                db_threads, [&] { return store::restore_late_reports(pool, search_overlap); });
            if (late) {
                restored.Increment(static_cast<double>(late->restored));
            }
            const auto summary = co_await net::offload(
                db_threads, [&] { return store::read_archive_summary(pool); });
            double rows = 0;
            for (const auto& partition : summary.partitions) {
                rows += static_cast<double>(partition.rows_estimate);
            }
            partitions.Set(static_cast<double>(summary.partitions.size()));
            archive_rows.Set(rows);
            if (moved > 0 || (late && late->restored > 0)) {
                spdlog::info(
                    "archive: {} rows moved to delivery_state_archive, {} archived "
                    "messages put back together after a late report",
                    moved, late ? late->restored : 0);
            }
            passes_done.Increment();
        } catch (const std::exception& e) {
            passes_failed.Increment();
            spdlog::warn("archive pass failed ({}); retrying in {}s", e.what(),
                         pass_interval.count());
        }
        if (stopping) {
            break;
        }
        timer.expires_after(next);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

}  // namespace deliveryd::app
