// The daemon's background loops beside the HTTP server and the scheduler:
// database upkeep and the progress line. Private to app/; both run on the
// daemon's control strand and end once `stopping` is set (the caller also
// cancels `timer`, so a pending wait ends at once).
#pragma once

#include <atomic>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "deliveryd/app/config.hpp"
#include "deliveryd/store/connection_pool.hpp"

namespace deliveryd::app {

// Publishes the settings SQL defaults read (retrying every 5 s until the
// database is there: deliveryd starts and serves /healthz before it is),
// then keeps delivery_event's monthly partitions created ahead and
// `partitions_ahead` current, every hour (a few catalog lookups).
boost::asio::awaitable<void> upkeep(boost::asio::thread_pool& db_threads,
                                    store::ConnectionPool& pool, const Config& config,
                                    boost::asio::steady_timer& timer,
                                    const std::atomic<bool>& stopping,
                                    std::atomic<bool>& settings_published,
                                    prometheus::Gauge& partitions_ahead);

// With the change feed on: reads how full PostgreSQL's notification queue
// is every 10 s into `usage`, and warns (once a minute at most) from half
// full: a listener that stopped reading fills it, and a full queue makes
// every write fail.
boost::asio::awaitable<void> watch_feed_queue(boost::asio::thread_pool& db_threads,
                                              store::ConnectionPool& pool, prometheus::Gauge& usage,
                                              boost::asio::steady_timer& timer,
                                              const std::atomic<bool>& stopping);

// Logs a progress line (progress_log.hpp) every minute.
boost::asio::awaitable<void> log_progress(prometheus::Registry& registry,
                                          boost::asio::steady_timer& timer,
                                          const std::atomic<bool>& stopping);

}  // namespace deliveryd::app
