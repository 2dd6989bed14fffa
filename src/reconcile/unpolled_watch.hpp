// Unresolved rows of scopes that no configuration here polls
// (store/unpolled_rows.hpp): looked for once a minute, counted in a gauge per
// scope, and warned about once an hour per scope, since such rows are never
// polled and never expire. Private to reconcile/; not thread-safe (the
// scheduler's strand owns it).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "deliveryd/core/log_throttle.hpp"
#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/poll_store.hpp"

#include "reconcile/poll_metrics.hpp"

namespace deliveryd::reconcile {

class UnpolledWatch {
  public:
    UnpolledWatch(store::ConnectionPool& pool, boost::asio::thread_pool& db_threads,
                  PollMetrics& metrics)
        : pool_(pool), db_threads_(db_threads), metrics_(metrics) {}

    // Looks again when a minute has passed since the last look. `configured`:
    // the scopes this replica's configuration defines. Never throws: a
    // failed look is logged (at most every ten minutes) and tried next minute.
    boost::asio::awaitable<void> look(const std::vector<store::PollScope>& configured);

  private:
    using Clock = std::chrono::steady_clock;

    boost::asio::awaitable<void> count(const std::vector<store::PollScope>& configured);

    store::ConnectionPool& pool_;
    boost::asio::thread_pool& db_threads_;
    PollMetrics& metrics_;
    std::optional<Clock::time_point> looked_at_;
    std::map<std::string, core::LogThrottle> warned_;  // by scope name: the scopes with a gauge set
    core::LogThrottle error_log_{std::chrono::minutes(10)};
};

}  // namespace deliveryd::reconcile
