// The polling loop: every tick, for each polling
// scope this replica holds (store/scope_locks.hpp), claims due rows in
// amounts that keep the rate limiters busy (claim_sizing.hpp), closes the
// windows that ended, plans the status calls (planner.hpp) and queues them
// per (account, endpoint). One sender per key takes calls from its queue as
// fast as its RateLimiter allows and sends them with the HTTP client, many
// in flight at once. Each answer becomes Observations applied by
// StatusStore::apply exactly like callbacks, then the rows asked about go
// back on the schedule (backoff.hpp).
//
// Everything runs on one strand of the io_context; database work runs on the
// database threads. Nothing here stops the loop: timeouts, HTTP errors,
// malformed answers and database failures are counted, logged and retried.
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "deliveryd/reconcile/settings.hpp"

namespace prometheus {
class Registry;
}

namespace deliveryd::store {
class ConnectionPool;
class IngestBatcher;
class ReportMetrics;
class StatusStore;
}  // namespace deliveryd::store

namespace deliveryd::reconcile {

struct SchedulerParts {
    boost::asio::io_context& ioc;
    boost::asio::thread_pool& db_threads;
    store::ConnectionPool& pool;
    store::StatusStore& status_store;  // closes ended polling windows
    // Poll answers are stored through the callbacks' batcher, after them,
    // each with its rows' next polls in the same transaction.
    store::IngestBatcher& ingest;
    store::ReportMetrics& report_metrics;
    prometheus::Registry& registry;
};

class Scheduler {
  public:
    // Keeps a copy of `config`.
    Scheduler(const PollingSettings& config, SchedulerParts parts);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Starts the loop. Until stop(), the scheduler keeps the io_context busy.
    void start();

    // Stops claiming and sending: calls in flight are cancelled, claimed rows
    // not answered are made due again (so another replica asks at once), the
    // scope locks are released. The io_context's work ends when that is done,
    // and then `on_stopped` runs (on the io_context). Thread-safe; a second
    // call only adds its `on_stopped`.
    void stop(std::function<void()> on_stopped = {});

    class Impl;

  private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace deliveryd::reconcile
