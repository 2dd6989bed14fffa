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

asio::awaitable<void> watch_feed_queue(asio::thread_pool& db_threads, store::ConnectionPool& pool,
                                       prometheus::Gauge& usage, asio::steady_timer& timer,
                                       const std::atomic<bool>& stopping) {
    constexpr double warn_from = 0.5;
    std::chrono::steady_clock::time_point warned{};
    while (!stopping) {
        try {
            const auto share = co_await net::offload(
                db_threads, [&] { return store::notification_queue_usage(pool); });
            usage.Set(share);
            const auto now = std::chrono::steady_clock::now();
            if (share >= warn_from && now - warned >= std::chrono::minutes(1)) {
                warned = now;
                spdlog::warn(
                    "PostgreSQL's notification queue is {:.0f}% full: a session LISTENing on "
                    "delivery_state_changed is not reading; when the queue is full every write "
                    "fails (docs/feed.md: find it in pg_stat_activity and end it)",
                    share * 100);
            }
        } catch (const std::exception& e) {
            spdlog::debug("reading the notification queue failed ({})", e.what());
        }
        if (stopping) {
            break;
        }
        timer.expires_after(std::chrono::seconds(10));
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
