#include "deliveryd/store/ingest_batcher.hpp"

#include <iterator>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "deliveryd/store/errors.hpp"

namespace deliveryd::store {

namespace asio = boost::asio;

namespace {

// Resumes the caller on its own executor. dispatch, because a handler's
// type-erased executor offers no blocking.never; it still never runs the
// caller inline here: this thread (a database thread, or a plain io_context
// handler) is not inside that executor.
template <class Handler, class... Args>
void resume(asio::io_context& ioc, Handler handler, Args... args) {
    const auto executor = asio::get_associated_executor(handler, ioc.get_executor());
    asio::dispatch(executor, [handler = std::move(handler), args...]() mutable {
        std::move(handler)(args...);
    });
}

}  // namespace

IngestBatcher::IngestBatcher(asio::io_context& ioc, asio::thread_pool& db_threads,
                             StatusStore& store, IngestOptions options, IngestObserver observer)
    : ioc_(ioc),
      db_threads_(db_threads),
      store_(store),
      options_(options),
      observer_(std::move(observer)) {}

IngestBatcher::~IngestBatcher() = default;

void IngestBatcher::enqueue(std::unique_ptr<core::Observation> observation, Handler handler) {
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

void IngestBatcher::enqueue_polled(PolledAnswer answer, PolledHandler handler) {
    std::lock_guard lock(mutex_);
    polled_.push_back({std::move(answer), std::move(handler)});
    if (!busy_) {
        busy_.emplace(ioc_.get_executor());
    }
    start_commits_locked();
}

void IngestBatcher::start_commits_locked() {
    while (in_flight_ < options_.commits_in_flight && (!queued_.empty() || !polled_.empty())) {
        const auto n = std::min(options_.max_batch, queued_.size());
        Batch batch;
        batch.callbacks.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            batch.callbacks.push_back(std::move(queued_.front()));
            queued_.pop_front();
        }
        // Then poll answers, oldest first and whole (an answer and its
        // reschedules commit together), into the room the callbacks left;
        // the oldest goes in even when they left none.
        auto size = n;
        while (!polled_.empty()) {
            const auto answer_size = polled_.front().answer.observations.size();
            if (!batch.polled.empty() && size + answer_size > options_.max_batch) {
                break;
            }
            size += answer_size;
            batch.polled.push_back(std::move(polled_.front()));
            polled_.pop_front();
        }
        ++in_flight_;
        asio::post(db_threads_,
                   [this, batch = std::move(batch)]() mutable { run_commit(std::move(batch)); });
    }
}

void IngestBatcher::run_commit(Batch batch) {
    // The callbacks' reports first, then each answer's: the order part_of()
    // splits them back in.
    std::vector<core::Observation> observations;
    std::vector<Reschedule> reschedules;
    observations.reserve(batch.callbacks.size());
    for (auto& item : batch.callbacks) {
        observations.push_back(std::move(*item.observation));
    }
    const auto callbacks = observations.size();
    for (auto& item : batch.polled) {
        auto& answer = item.answer;
        observations.insert(observations.end(),
                            std::make_move_iterator(answer.observations.begin()),
                            std::make_move_iterator(answer.observations.end()));
        reschedules.insert(reschedules.end(), std::make_move_iterator(answer.reschedules.begin()),
                           std::make_move_iterator(answer.reschedules.end()));
    }
    ApplyResult result;
    const auto error = commit(observations, reschedules, batch.polled.size(), result);
    auto callbacks_error = error;
    if (!error) {
        report_applied(observations, callbacks, !batch.polled.empty(), result);
    } else if (callbacks > 0 && !batch.polled.empty()) {
        // A poll answer must never cost a callback its 200 (the provider
        // retries a callback only a few times; the poll is asked again when
        // its lease ends): the callbacks are tried again on their own.
        const std::span<const core::Observation> alone(observations.data(), callbacks);
        callbacks_error = commit(alone, {}, 0, result);
        if (!callbacks_error) {
            report_applied(alone, callbacks, false, result);
        }
    }
    // The slot is freed before the callers are answered: the next batch goes
    // to the database meanwhile (answering_ keeps the io_context busy).
    {
        std::lock_guard lock(mutex_);
        --in_flight_;
        ++answering_;
        start_commits_locked();
    }
    answer_callbacks(batch.callbacks, callbacks_error, result);
    for (auto& item : batch.polled) {
        complete(std::move(item.handler), error);
    }

    std::lock_guard lock(mutex_);
    --answering_;
    if (in_flight_ == 0 && answering_ == 0 && queued_.empty() && polled_.empty()) {
        busy_.reset();
    }
}

std::exception_ptr IngestBatcher::commit(std::span<const core::Observation> observations,
                                         std::span<const Reschedule> reschedules,
                                         std::size_t answers, ApplyResult& result) {
    const auto start = std::chrono::steady_clock::now();
    std::exception_ptr error;
    try {
        result = store_.apply(observations, reschedules);
    } catch (const DatabaseUnavailable& e) {
        if (const auto held_back = unavailable_log_.admit(std::chrono::steady_clock::now())) {
            spdlog::warn(
                "ingest: batch of {} reports ({} poll answers) not stored, database unavailable: "
                "{} (callbacks answered 503; {} similar warnings held back)",
                observations.size(), answers, e.what(), *held_back);
        }
        error = std::current_exception();
    } catch (const std::exception& e) {
        spdlog::error("ingest: batch of {} reports ({} poll answers) not stored: {}",
                      observations.size(), answers, e.what());
        error = std::current_exception();
    }
    if (observer_.on_commit) {
        observer_.on_commit(observations.size(), std::chrono::steady_clock::now() - start, !error);
    }
    return error;
}

void IngestBatcher::report_applied(std::span<const core::Observation> observations,
                                   std::size_t callbacks, bool polled, const ApplyResult& result) {
    if (!observer_.on_applied) {
        return;
    }
    // A batch of one path is its own part: no need to split it.
    if (!polled) {
        observer_.on_applied(observations, result, ReportPath::callback);
        return;
    }
    if (callbacks == 0) {
        observer_.on_applied(observations, result, ReportPath::poll);
        return;
    }
    const auto polls = observations.size() - callbacks;
    observer_.on_applied(observations.first(callbacks), part_of(observations, result, 0, callbacks),
                         ReportPath::callback);
    observer_.on_applied(observations.subspan(callbacks),
                         part_of(observations, result, callbacks, polls), ReportPath::poll);
}

// Callers that share an executor (every connection, when one thread runs the
// io_context) are resumed by one function posted to it, one after the other:
// one hand-over to that thread per batch instead of one per callback.
void IngestBatcher::answer_callbacks(std::vector<Item>& callbacks, std::exception_ptr error,
                                     const ApplyResult& result) {
    const auto executor_of = [this](const Item& item) {
        return asio::get_associated_executor(item.handler, ioc_.get_executor());
    };
    std::size_t first = 0;
    while (first < callbacks.size()) {
        const auto executor = executor_of(callbacks[first]);
        std::vector<std::pair<Handler, ApplyOutcome>> group;
        std::size_t i = first;
        for (; i < callbacks.size() && (i == first || executor_of(callbacks[i]) == executor); ++i) {
            group.emplace_back(std::move(callbacks[i].handler),
                               error ? ApplyOutcome::unchanged : result.outcomes[i]);
        }
        first = i;
        asio::dispatch(executor, [group = std::move(group), error]() mutable {
            for (auto& [handler, outcome] : group) {
                std::move(handler)(error, outcome);
            }
        });
    }
}

void IngestBatcher::complete(Handler handler, std::exception_ptr error, ApplyOutcome outcome) {
    resume(ioc_, std::move(handler), error, outcome);
}

void IngestBatcher::complete(PolledHandler handler, std::exception_ptr error) {
    resume(ioc_, std::move(handler), error);
}

}  // namespace deliveryd::store
