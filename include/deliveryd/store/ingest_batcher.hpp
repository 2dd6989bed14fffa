// Group commit: every Observation that arrives while a commit is in flight
// waits for the next one, and all of them go to the database together in one
// StatusStore::apply: one commit for the whole batch, so under load the
// database pays per commit, not per report. There is no timer: a commit
// starts as soon as one of `commits_in_flight` slots is free, so a lone
// report costs about one commit, and under load batches grow by themselves up
// to `max_batch`.
//
// Each caller is completed only after its batch committed (or failed): this
// is what lets the callback route answer 200 only for stored reports.
//
// Thread-safe. Completions run on the caller's associated executor. While
// anything is queued, in flight or being answered the batcher keeps the
// io_context busy, so a shutdown that stops accepting still finishes every
// batch.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "deliveryd/core/log_throttle.hpp"
#include "deliveryd/core/observation.hpp"
#include "deliveryd/store/status_store.hpp"

namespace deliveryd::store {

// The queue already holds `max_queued` reports: answer "try later" at once
// rather than let memory and latency grow without bound.
class IngestOverloaded : public std::runtime_error {
  public:
    IngestOverloaded() : std::runtime_error("ingest queue is full") {}
};

struct IngestOptions {
    std::size_t max_batch = 1000;       // reports per transaction at most
    std::size_t commits_in_flight = 1;  // transactions at once
    std::size_t max_queued = 50'000;    // reports waiting for a transaction
};

// What the batcher reports for metrics; called on a database thread.
struct IngestObserver {
    std::function<void(std::size_t batch_size, std::chrono::duration<double> took, bool committed)>
        on_commit;
    // After a batch committed, before its callers are answered.
    std::function<void(std::span<const core::Observation> batch, const ApplyResult& result)>
        on_applied;
};

class IngestBatcher {
  public:
    using Handler = boost::asio::any_completion_handler<void(std::exception_ptr, ApplyOutcome)>;

    IngestBatcher(boost::asio::io_context& ioc, boost::asio::thread_pool& db_threads,
                  StatusStore& store, IngestOptions options, IngestObserver observer = {});
    ~IngestBatcher();
    IngestBatcher(const IngestBatcher&) = delete;
    IngestBatcher& operator=(const IngestBatcher&) = delete;

    // Completes with (nullptr, outcome) once the report is committed, or with
    // an exception: DatabaseUnavailable / DatabaseError (nothing of the batch
    // committed, or unknown) or IngestOverloaded.
    template <class Token>
    auto async_apply(core::Observation observation, Token&& token) {
        return boost::asio::async_initiate<Token, void(std::exception_ptr, ApplyOutcome)>(
            [this](auto handler, core::Observation o) {
                enqueue(std::move(o), Handler(std::move(handler)));
            },
            token, std::move(observation));
    }

  private:
    struct Item {
        core::Observation observation;
        Handler handler;
    };

    void enqueue(core::Observation observation, Handler handler);
    // Starts commits while there are free slots and queued items. Caller holds mutex_.
    void start_commits_locked();
    void run_commit(std::vector<Item> items);
    void complete(Handler handler, std::exception_ptr error, ApplyOutcome outcome);

    boost::asio::io_context& ioc_;
    boost::asio::thread_pool& db_threads_;
    StatusStore& store_;
    IngestOptions options_;
    IngestObserver observer_;

    // While the database is down every batch fails: one warning a minute.
    core::LogThrottle unavailable_log_{std::chrono::minutes(1)};

    std::mutex mutex_;
    std::deque<Item> queued_;
    std::size_t in_flight_ = 0;
    std::size_t answering_ = 0;  // committed batches whose callers are being completed
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> busy_;
};

}  // namespace deliveryd::store
