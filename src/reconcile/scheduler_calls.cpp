// The scheduler's sending side: one loop per (account, endpoint) paced by
// its limiter, each call's answer stored like a callback and its rows put
// back on the schedule.
#include <algorithm>
#include <iterator>
#include <span>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deliveryd/net/offload.hpp"
#include "deliveryd/reconcile/status_request.hpp"
#include "deliveryd/store/report_metrics.hpp"
#include "deliveryd/store/status_store.hpp"

#include "reconcile/scheduler_impl.hpp"

namespace deliveryd::reconcile {

void Scheduler::Impl::enqueue(PlannedCall call) {
    auto& state = *keys_.at(key_of(call));
    state.queue.push_back(std::move(call));
    state.wake.cancel();
}

namespace {

// While the keys are refused, the next call is a probe: the first queued one
// whose answer can show they work again (not one more message already known
// to answer 101), brought to the front; the others keep their order.
void put_probe_first(std::deque<PlannedCall>& queue, const KeyHealth& health) {
    const auto it = std::find_if(queue.begin(), queue.end(), [&health](const PlannedCall& call) {
        return health.worth_probing(call.sms_ids);
    });
    if (it != queue.end() && it != queue.begin()) {
        std::rotate(queue.begin(), it, std::next(it));
    }
}

}  // namespace

asio::awaitable<void> Scheduler::Impl::send_loop(std::shared_ptr<Impl> self, LimiterKey key,
                                                 KeyState& state) {
    while (!self->stopping_) {
        const auto probe_at = state.health.next_probe_at();
        // A probe goes alone: the next waits for its answer (perform() wakes
        // this loop when a call ends).
        if (state.queue.empty() || (probe_at && state.in_flight > 0)) {
            state.wake.expires_at(SteadyClock::time_point::max());
            co_await state.wake.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        // The departure is recorded when the call really leaves, not
        // when its turn was due: if the event loop stalls, a reserved
        // slot would be used late while later slots stay early, and the
        // calls would bunch at the provider.
        const auto allowed = std::max(state.limiter.next_allowed_at(),
                                      probe_at.value_or(SteadyClock::time_point::min()));
        if (allowed > SteadyClock::now()) {
            state.pace.expires_at(allowed);
            co_await state.pace.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        if (!state.limiter.try_acquire(SteadyClock::now())) {
            continue;
        }
        PlannedCall call;
        const auto* check = state.health.check_call();
        if (check != nullptr) {
            call = *check;  // the queued calls keep their turn
        } else {
            if (probe_at) {
                put_probe_first(state.queue, state.health);
            }
            call = std::move(state.queue.front());
            state.queue.pop_front();
        }
        ++state.in_flight;
        ++self->calls_in_flight_;
        asio::co_spawn(self->strand_, perform(self, key, std::move(call), check != nullptr),
                       asio::detached);
    }
}

asio::awaitable<void> Scheduler::Impl::perform(std::shared_ptr<Impl> self, LimiterKey key,
                                               PlannedCall call, bool check) {
    auto& state = *self->keys_.at(key);
    try {
        co_await self->perform_call(key, state, std::move(call), check);
    } catch (const std::exception& e) {
        spdlog::error("status call {} {}: {}", key.account, to_string(key.endpoint), e.what());
    }
    --state.in_flight;
    --self->calls_in_flight_;
    state.wake.cancel();  // a probing send loop waits for this answer
    self->notify_if_idle();
}

// GCC 12 pairs the coroutine frame's allocation (Asio's aligned_alloc) with
// the frame's sized operator delete and warns that they mismatch; that delete
// frees with free(), which is right. Only this frame trips it.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
asio::awaitable<void> Scheduler::Impl::perform_call(const LimiterKey& key, KeyState& state,
                                                    PlannedCall call, bool check) {
    const auto started = SteadyClock::now();
    auto request = status_request(config_, call);
    const auto result = co_await http_.fetch(std::move(request));
    const auto took = SteadyClock::now() - started;
    if (check && result.failure == net::HttpFailure::cancelled) {
        co_return;
    }
    if (result.failure == net::HttpFailure::cancelled) {
        claimed_.take_all(call.sms_ids);
        co_await give_back(std::move(call.sms_ids));
        co_return;
    }
    const auto now = core::timestamp_now();
    const CallAnswer answer{
        result.failure == net::HttpFailure::none ? "" : net::to_string(result.failure),
        result.status, result.body};
    auto outcome = interpret_answer(call, answer, now);
    spdlog::debug("status call {} {} ({} ids): {} in {} ms", key.account, to_string(key.endpoint),
                  call.sms_ids.size(), outcome.outcome,
                  std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
    metrics_.call(key, outcome.outcome, took);
    metrics_.observations(key, outcome.observations.size());
    const bool answered = note(key, state, call, outcome).answered;

    // A check answers for no row: a claimed row it names is rescheduled by
    // its own call.
    const std::span<const std::string> rows =
        check ? std::span<const std::string>() : std::span<const std::string>(call.sms_ids);
    std::vector<store::Reschedule> schedule;
    for (const auto& id : rows) {
        const auto row = claimed_.find(id);
        if (!row) {
            continue;
        }
        const auto next =
            answered ? backoff_.next_poll_at(row->submitted_at, row->poll_attempts + 1, now)
                     : backoff_.retry_at(row->submitted_at, row->poll_attempts,
                                         state.health.consecutive_failures(), now);
        schedule.push_back({id, next, answered});
    }
    try {
        auto store = [this, &outcome, &schedule] {
            parts_.report_metrics.applied(outcome.observations,
                                          parts_.status_store.apply(outcome.observations),
                                          store::ReportPath::poll);
            polls_.reschedule(schedule);
        };
        co_await net::offload(parts_.db_threads, std::move(store));
    } catch (const std::exception& e) {
        metrics_.store_failure();
        if (const auto held = database_log_.admit(SteadyClock::now())) {
            spdlog::warn(
                "could not store the answer of a {} call for {} messages ({}); they are "
                "asked again when their lease ends ({} similar warnings held back)",
                to_string(key.endpoint), call.sms_ids.size(), e.what(), *held);
        }
    }
    if (!check) {
        claimed_.take_all(call.sms_ids);
    }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

KeyHealth::Step Scheduler::Impl::note(const LimiterKey& key, KeyState& state,
                                      const PlannedCall& call, const CallOutcome& outcome) {
    const auto step = state.health.record(outcome.verdict, SteadyClock::now(), call);
    if (step.hold_until) {
        state.limiter.hold_until(*step.hold_until);
    }
    if (step.credentials_failing) {
        metrics_.credentials_failing(key, *step.credentials_failing);
        if (!*step.credentials_failing) {
            state.pace.cancel();  // the send loop may be waiting for the next probe: go now
        }
    }
    const auto name = fmt::format("{} {}", key.account, to_string(key.endpoint));
    log_step(step, name, outcome);
    if (outcome.verdict == CallVerdict::rejected) {
        spdlog::debug("status call {} refused for {}: {}", name, call.sms_ids.front(),
                      outcome.detail);
    }
    if (outcome.verdict == CallVerdict::credentials_or_unknown_id && step.answered) {
        if (step.evidence == 0) {
            spdlog::debug(
                "status call {} refused for {}: {}; about this message, which was refused so "
                "before while the keys worked",
                name, call.sms_ids.front(), outcome.detail);
        } else {
            spdlog::debug(
                "status call {} refused for {}: {}; taken as about this message, not the "
                "account's credentials ({} of {} different messages in a row needed)",
                name, call.sms_ids.front(), outcome.detail, step.evidence,
                KeyHealth::credentials_evidence);
        }
    }
    for (const auto& text : outcome.notes) {
        spdlog::debug("status call {}: {}", name, text);
    }
    return step;
}

}  // namespace deliveryd::reconcile
