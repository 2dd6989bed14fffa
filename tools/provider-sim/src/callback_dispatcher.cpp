#include "callback_dispatcher.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

namespace deliveryd::sim {

bool is_dropped(const sim_state& state, const callback_event& cb) {
    if (state.drop_callbacks <= 0) {
        return false;
    }
    auto index = static_cast<std::uint64_t>(cb.event - cb.msg->timeline.data()) * 2U +
                 (cb.delivery ? 1U : 0U);
    return hash_unit(state.seed, cb.msg->sms_id, index) < state.drop_callbacks;
}

callback_dispatcher::callback_dispatcher(asio::io_context& ioc, sim_state& state,
                                         std::optional<callback_target> target,
                                         dispatcher_config config)
    : ioc_(ioc), state_(state), target_(std::move(target)), config_(config), wake_(ioc) {}

void callback_dispatcher::start() {
    asio::co_spawn(ioc_, run(), [](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::error("callback dispatcher stopped: {}", ex.what());
            }
        }
    });
}

void callback_dispatcher::stop() {
    stopped_ = true;
    wake_.cancel();
}

void callback_dispatcher::collect_due() {
    auto& cb_stats = state_.stats.callbacks;
    for (const auto& cb : state_.store.take_due(state_.clock.now())) {
        ++cb_stats.scheduled;
        if (is_dropped(state_, cb)) {
            ++cb_stats.dropped;
            continue;
        }
        if (!target_) {
            ++cb_stats.no_url;
            continue;
        }
        ready_.push_back(job{callback_request_target(*target_, callback_query(cb)), 0, {}});
    }
    auto now = std::chrono::steady_clock::now();
    while (!retry_.empty() && retry_.front().not_before <= now) {
        ready_.push_back(std::move(retry_.front()));
        retry_.pop_front();
    }
}

asio::awaitable<void> callback_dispatcher::run() {
    while (!stopped_) {
        collect_due();
        while (!ready_.empty() && state_.callbacks_in_flight < config_.concurrency) {
            ++state_.callbacks_in_flight;
            asio::co_spawn(ioc_, attempt(std::move(ready_.front())), asio::detached);
            ready_.pop_front();
        }
        state_.callbacks_queued = ready_.size() + retry_.size();
        // Attempts that finish cancel the timer so a free slot is used at once.
        wake_.expires_after(config_.tick);
        co_await wake_.async_wait(use_nothrow);
    }
}

asio::awaitable<void> callback_dispatcher::attempt(job j) {
    auto& cb_stats = state_.stats.callbacks;
    ++cb_stats.attempts;
    if (j.attempt > 0) {
        ++cb_stats.retried;
    }
    ++j.attempt;
    bool ok = co_await send_callback(*target_, j.target, config_.timeout);
    --state_.callbacks_in_flight;
    if (ok) {
        ++cb_stats.sent;
    } else {
        ++cb_stats.attempt_errors;
        if (j.attempt < config_.attempts) {
            j.not_before = std::chrono::steady_clock::now() + config_.retry_delay;
            retry_.push_back(std::move(j));
        } else {
            ++cb_stats.failed;
            spdlog::debug("callback given up after {} attempts: {}", j.attempt, j.target);
        }
    }
    if (!stopped_) {
        wake_.cancel();
    }
}

}  // namespace deliveryd::sim
