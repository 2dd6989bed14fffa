#include "deliveryd/store/ingest_batcher.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "deliveryd/store/errors.hpp"

namespace deliveryd::store {

namespace asio = boost::asio;

IngestBatcher::IngestBatcher(asio::io_context& ioc, asio::thread_pool& db_threads,
                             StatusStore& store, IngestOptions options, IngestObserver observer)
    : ioc_(ioc),
      db_threads_(db_threads),
      store_(store),
      options_(options),
      observer_(std::move(observer)) {}

IngestBatcher::~IngestBatcher() = default;

void IngestBatcher::enqueue(core::Observation observation, Handler handler) {
    std::unique_lock lock(mutex_);
    if (queued_.size() >= options_.max_queued) {
        lock.unlock();
        // Posted first: completing inside the caller's own initiation would
        // resume it before it has suspended.
        asio::post(ioc_.get_executor(), [this, handler = std::move(handler)]() mutable {
            complete(std::move(handler), std::make_exception_ptr(IngestOverloaded()),
                     ApplyOutcome::unchanged);
        });
        return;
    }
    queued_.push_back({std::move(observation), std::move(handler)});
    if (!busy_) {
        busy_.emplace(ioc_.get_executor());
    }
    start_commits_locked();
}

void IngestBatcher::start_commits_locked() {
    while (in_flight_ < options_.commits_in_flight && !queued_.empty()) {
        const auto n = std::min(options_.max_batch, queued_.size());
        std::vector<Item> batch;
        batch.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            batch.push_back(std::move(queued_.front()));
            queued_.pop_front();
        }
        ++in_flight_;
        asio::post(db_threads_,
                   [this, batch = std::move(batch)]() mutable { run_commit(std::move(batch)); });
    }
}

void IngestBatcher::run_commit(std::vector<Item> items) {
    std::vector<core::Observation> observations;
    observations.reserve(items.size());
    for (auto& item : items) {
        observations.push_back(std::move(item.observation));
    }
    const auto start = std::chrono::steady_clock::now();
    std::exception_ptr error;
    ApplyResult result;
    try {
        result = store_.apply(observations);
    } catch (const DatabaseUnavailable& e) {
        if (const auto held_back = unavailable_log_.admit(std::chrono::steady_clock::now())) {
            spdlog::warn(
                "ingest: batch of {} not stored, database unavailable: {} (answered 503; {} "
                "similar warnings held back)",
                items.size(), e.what(), *held_back);
        }
        error = std::current_exception();
    } catch (const std::exception& e) {
        spdlog::error("ingest: batch of {} not stored: {}", items.size(), e.what());
        error = std::current_exception();
    }
    if (observer_.on_commit) {
        observer_.on_commit(items.size(), std::chrono::steady_clock::now() - start, !error);
    }
    if (!error && observer_.on_applied) {
        observer_.on_applied(observations, result);
    }
    // The slot is freed before the callers are answered: the next batch goes
    // to the database meanwhile (answering_ keeps the io_context busy).
    {
        std::lock_guard lock(mutex_);
        --in_flight_;
        ++answering_;
        start_commits_locked();
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto outcome = error ? ApplyOutcome::unchanged : result.outcomes[i];
        complete(std::move(items[i].handler), error, outcome);
    }

    std::lock_guard lock(mutex_);
    --answering_;
    if (in_flight_ == 0 && answering_ == 0 && queued_.empty()) {
        busy_.reset();
    }
}

void IngestBatcher::complete(Handler handler, std::exception_ptr error, ApplyOutcome outcome) {
    // Resume the caller on its own executor. dispatch, because a handler's
    // type-erased executor offers no blocking.never; it still never runs the
    // caller inline here: this thread (a database thread, or a plain
    // io_context handler) is not inside that executor.
    const auto executor = asio::get_associated_executor(handler, ioc_.get_executor());
    asio::dispatch(executor, [handler = std::move(handler), error, outcome]() mutable {
        std::move(handler)(error, outcome);
    });
}

}  // namespace deliveryd::store
