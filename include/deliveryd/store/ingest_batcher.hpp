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
// Poll answers come the same way (async_apply_polled), each with its rows'
// next polls, which commit in the same transaction as the answer. They wait
// in a queue of their own and come second: a batch takes callbacks first,
// then fills the room they left with whole poll answers, and poll answers
// never count towards `max_queued`: polling never takes a callback's place
// nor turns one away. If a batch carrying both fails, its callbacks are tried
// again on their own before they are answered, so a poll answer the database
// refuses never costs a callback its 200. (A batch carrying poll answers
// locks its rows before it reads them, one round trip more for its
// callbacks.) So that a steady stream of callbacks cannot hold polling back
// for good, every batch takes at least the oldest waiting answer, even past
// `max_batch`.
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
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "deliveryd/core/log_throttle.hpp"
#include "deliveryd/core/observation.hpp"
#include "deliveryd/store/report_metrics.hpp"
#include "deliveryd/store/reschedule.hpp"
#include "deliveryd/store/status_store.hpp"

namespace deliveryd::store {

// The queue already holds `max_queued` reports: answer "try later" at once
// rather than let memory and latency grow without bound. Only callbacks are
// turned away: poll answers are bounded by the calls the scheduler makes.
class IngestOverloaded : public std::runtime_error {
  public:
    IngestOverloaded() : std::runtime_error("ingest queue is full") {}
};

struct IngestOptions {
    std::size_t max_batch = 1000;       // reports per transaction (one poll answer may overrun it)
    std::size_t commits_in_flight = 1;  // transactions at once
    std::size_t max_queued = 50'000;    // callbacks waiting for a transaction
};

// One status call's answer: the reports it carried, and when to poll each of
// the call's rows next (StatusStore::apply with reschedules).
struct PolledAnswer {
    std::vector<core::Observation> observations;
    std::vector<Reschedule> reschedules;
};

// What the batcher reports for metrics; called on a database thread.
struct IngestObserver {
    // batch_size: the reports of the transaction, callbacks and polled alike.
    std::function<void(std::size_t batch_size, std::chrono::duration<double> took, bool committed)>
        on_commit;
    // After a batch committed, before its callers are answered: once for its
    // callbacks (ReportPath::callback), once for its poll answers' reports
    // (ReportPath::poll), each with what those reports did as if they had
    // committed on their own, callbacks first (part_of()). Not called for a
    // path the batch did not carry.
    std::function<void(std::span<const core::Observation> reports, const ApplyResult& result,
                       ReportPath path)>
        on_applied;
};

class IngestBatcher {
  public:
    using Handler = boost::asio::any_completion_handler<void(std::exception_ptr, ApplyOutcome)>;
    using PolledHandler = boost::asio::any_completion_handler<void(std::exception_ptr)>;

    IngestBatcher(boost::asio::io_context& ioc, boost::asio::thread_pool& db_threads,
                  StatusStore& store, IngestOptions options, IngestObserver observer = {});
    ~IngestBatcher();
    IngestBatcher(const IngestBatcher&) = delete;
    IngestBatcher& operator=(const IngestBatcher&) = delete;

    // Completes with (nullptr, outcome) once the report is committed, or with
    // an exception: DatabaseUnavailable / DatabaseError (nothing of the batch
    // committed, or unknown) or IngestOverloaded.
    template <class Token>
    auto async_apply(core::Observation&& observation, Token&& token) {
        // On the heap from here on: the initiation's layers (several, for a
        // coroutine) each take their arguments by value, and a pointer is
        // cheaper to pass than the report.
        return boost::asio::async_initiate<Token, void(std::exception_ptr, ApplyOutcome)>(
            [this](auto handler, std::unique_ptr<core::Observation> o) {
                enqueue(std::move(o), Handler(std::move(handler)));
            },
            token, std::make_unique<core::Observation>(std::move(observation)));
    }

    // Completes with nullptr once the answer's reports and reschedules are
    // committed (together), or with DatabaseUnavailable / DatabaseError
    // (neither committed, or unknown). Never with IngestOverloaded.
    template <class Token>
    auto async_apply_polled(PolledAnswer answer, Token&& token) {
        return boost::asio::async_initiate<Token, void(std::exception_ptr)>(
            [this](auto handler, PolledAnswer a) {
                enqueue_polled(std::move(a), PolledHandler(std::move(handler)));
            },
            token, std::move(answer));
    }

  private:
    struct Item {
        std::unique_ptr<core::Observation> observation;
        Handler handler;
    };
    struct PolledItem {
        PolledAnswer answer;
        PolledHandler handler;
    };
    struct Batch {
        std::vector<Item> callbacks;
        std::vector<PolledItem> polled;
    };

    void enqueue(std::unique_ptr<core::Observation> observation, Handler handler);
    void enqueue_polled(PolledAnswer answer, PolledHandler handler);
    // Starts commits while there are free slots and queued items. Caller holds mutex_.
    void start_commits_locked();
    void run_commit(Batch batch);
    // One transaction (StatusStore::apply), logged and reported to
    // on_commit; the exception it failed with, or null. `answers`: how many
    // poll answers it carries, for the log.
    std::exception_ptr commit(std::span<const core::Observation> observations,
                              std::span<const Reschedule> reschedules, std::size_t answers,
                              ApplyResult& result);
    // observer_.on_applied for each path of a committed batch: its first
    // `callbacks` reports are callbacks, the rest (if `polled`) poll answers'.
    void report_applied(std::span<const core::Observation> observations, std::size_t callbacks,
                        bool polled, const ApplyResult& result);
    // Completes each callback of a finished batch: with `error`, or with its
    // outcome in `result`.
    void answer_callbacks(std::vector<Item>& callbacks, std::exception_ptr error,
                          const ApplyResult& result);
    void complete(Handler handler, std::exception_ptr error, ApplyOutcome outcome);
    void complete(PolledHandler handler, std::exception_ptr error);

    boost::asio::io_context& ioc_;
    boost::asio::thread_pool& db_threads_;
    StatusStore& store_;
    IngestOptions options_;
    IngestObserver observer_;

    // While the database is down every batch fails: one warning a minute.
    core::LogThrottle unavailable_log_{std::chrono::minutes(1)};

    std::mutex mutex_;
    std::deque<Item> queued_;
    std::deque<PolledItem> polled_;  // not counted by max_queued
    std::size_t in_flight_ = 0;
    std::size_t answering_ = 0;  // committed batches whose callers are being completed
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> busy_;
};

}  // namespace deliveryd::store
