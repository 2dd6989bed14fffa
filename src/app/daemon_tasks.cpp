#include "app/daemon_tasks.hpp"

#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "deliveryd/net/offload.hpp"
#include "deliveryd/store/health.hpp"

#include "app/progress_log.hpp"

namespace deliveryd::app {

namespace asio = boost::asio;

asio::awaitable<void> upkeep(asio::thread_pool& db_threads, store::ConnectionPool& pool,
                             const Config& config, asio::steady_timer& timer,
                             const std::atomic<bool>& stopping,
                             std::atomic<bool>& settings_published,
                             prometheus::Gauge& partitions_ahead) {
    while (!stopping) {
        std::chrono::seconds next{5};
        try {
            if (!settings_published) {
                co_await net::offload(
                    db_threads, [&] { store::publish_settings(pool, config.reconcile.grace); });
                settings_published = true;
                spdlog::info("settings written to the database (reconcile.grace {})",
                             format_duration(config.reconcile.grace));
            }
            const auto ahead = co_await net::offload(
                db_threads, [&] { return store::ensure_event_partitions(pool); });
            partitions_ahead.Set(ahead);
            next = std::chrono::hours(1);
        } catch (const std::exception& e) {
            spdlog::warn("database upkeep failed ({}); retrying in 5s", e.what());
        }
        if (stopping) {
            break;
        }
        timer.expires_after(next);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

asio::awaitable<void> log_progress(prometheus::Registry& registry, asio::steady_timer& timer,
                                   const std::atomic<bool>& stopping) {
    constexpr auto interval = std::chrono::minutes(1);
    auto before = read_progress_totals(registry.Collect());
    while (!stopping) {
        timer.expires_after(interval);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (stopping) {
            break;
        }
        auto now = read_progress_totals(registry.Collect());
        spdlog::info(
            "{}",
            progress_line(before, now, std::chrono::duration_cast<std::chrono::seconds>(interval)));
        before = std::move(now);
    }
}

}  // namespace deliveryd::app
