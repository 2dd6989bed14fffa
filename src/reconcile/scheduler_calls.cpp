// The scheduler's sending side: one loop per (account, endpoint) paced by
// its limiter, each call's answer stored like a callback and its rows put
// back on the schedule.
#include <algorithm>
#include <iterator>
#include <memory>
#include <set>
#include <span>
#include <string_view>
#include <tuple>
#include <unordered_set>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "deliveryd/reconcile/configured.hpp"
#include "deliveryd/reconcile/status_source.hpp"
#include "deliveryd/store/ingest_batcher.hpp"

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

// Answers after which a listing's page is asked again: no answer came, but
// the next may.
bool is_transient(CallVerdict verdict) {
    return verdict == CallVerdict::retry || verdict == CallVerdict::tps_exceeded;
}

// The ids asked about that a page of a listing reported, and the others,
// each in the order asked.
std::pair<std::vector<std::string>, std::vector<std::string>> split_by_report(
    std::span<const std::string> asked, std::span<const core::Observation> reported) {
    std::unordered_set<std::string_view> seen;
    for (const auto& observation : reported) {
        seen.insert(observation.sms_id);
    }
    std::pair<std::vector<std::string>, std::vector<std::string>> split;
    for (const auto& id : asked) {
        (seen.contains(id) ? split.first : split.second).push_back(id);
    }
    return split;
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
        // The slot is taken when the loop gets to it, not when its turn was
        // due, and the departure is what the HTTP client reports once the
        // request is on its connection: a stall anywhere between the two
        // would otherwise let calls bunch at the provider.
        const auto allowed = std::max(state.limiter.next_allowed_at(),
                                      probe_at.value_or(SteadyClock::time_point::min()));
        if (allowed > SteadyClock::now()) {
            state.pace.expires_at(allowed);
            co_await state.pace.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        const auto reservation = state.limiter.try_reserve(SteadyClock::now());
        if (!reservation) {
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
        asio::co_spawn(self->strand_,
                       perform(self, key, std::move(call), check != nullptr, *reservation),
                       asio::detached);
    }
}

net::HttpClient::SentHook Scheduler::Impl::report_departure(const std::shared_ptr<Impl>& self,
                                                            LimiterKey key,
                                                            RateLimiter::Reservation reservation) {
    return [weak = std::weak_ptr<Impl>(self), key = std::move(key),
            reservation](SteadyClock::time_point at) {
        auto impl = weak.lock();
        if (!impl) {
            return;
        }
        asio::post(impl->strand_, [impl, key, reservation, at] {
            auto& state = *impl->keys_.at(key);
            if (state.limiter.departed(reservation, at)) {
                impl->metrics_.send_delay(key, at - reservation.slot);
                state.pace.cancel();  // a loop may wait for this report
            }
        });
    };
}

asio::awaitable<void> Scheduler::Impl::perform(std::shared_ptr<Impl> self, LimiterKey key,
                                               PlannedCall call, bool check,
                                               RateLimiter::Reservation reservation) {
    auto& state = *self->keys_.at(key);
    try {
        co_await self->perform_call(key, state, std::move(call), check,
                                    report_departure(self, key, reservation));
    } catch (const std::exception& e) {
        spdlog::error("status call {}: {}", to_string(key), e.what());
    }
    // Never reported (no request left, or the report is still on its way):
    // it counts as having left at its slot.
    if (state.limiter.settle(reservation)) {
        state.pace.cancel();
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
                                                    PlannedCall call, bool check,
                                                    net::HttpClient::SentHook on_sent) {
    const auto started = SteadyClock::now();
    auto request = call.source->request(config_, call);
    const auto result = co_await http_.fetch(std::move(request), std::move(on_sent));
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
    auto outcome = interpret_answer(call, {result.failure, result.status, result.body}, now);
    spdlog::debug("status call {} ({} ids): {} in {} ms", to_string(key), call.sms_ids.size(),
                  outcome.outcome,
                  std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
    metrics_.call(key, outcome.outcome, took);
    metrics_.observations(key, outcome.observations.size());
    const bool answered = note(key, state, call, outcome).answered;

    // A check answers for no row: a claimed row it names is rescheduled by
    // its own call. A page of a listing answers for the rows it reported;
    // the others wait for the next page. A page that got no answer is asked
    // again while its listing has failed fewer than listing_page_attempts
    // times in a row; after that, or when the listing is refused, its rows
    // go to the source that asks one id at a time.
    const bool listing = call.source->is_listing();
    const bool got_answer = outcome.verdict == CallVerdict::answered;
    const auto asked = call.sms_ids.size();
    std::vector<std::string> done;
    std::vector<std::string> next_page;
    if (check) {
        // nothing is done with the rows
    } else if (answered && !outcome.next_cursor.empty()) {
        std::tie(done, next_page) = split_by_report(call.sms_ids, outcome.observations);
    } else if (listing && is_transient(outcome.verdict) &&
               state.health.consecutive_failures() < listing_page_attempts) {
        next_page = std::move(call.sms_ids);
        outcome.next_cursor = call.cursor;
    } else {
        done = std::move(call.sms_ids);
    }
    std::vector<store::Reschedule> schedule;
    // What a listing never reported is asked one id at a time, at once.
    const std::set<std::string_view> not_listed(outcome.not_listed.begin(),
                                                outcome.not_listed.end());
    for (const auto& id : done) {
        const auto row = claimed_.find(id);
        if (!row) {
            continue;
        }
        if ((answered && not_listed.contains(id)) || (listing && !got_answer)) {
            schedule.push_back({id, now, false});
            continue;
        }
        if (row->due_at) {
            // Asked early: back on the poll it had, answered or not.
            schedule.push_back({id, *row->due_at, false});
            continue;
        }
        const auto next =
            answered ? backoff_.next_poll_at(row->submitted_at, row->poll_attempts + 1, now)
                     : backoff_.retry_at(row->submitted_at, row->poll_attempts,
                                         state.health.consecutive_failures(), now);
        schedule.push_back({id, next, answered});
    }
    if (!outcome.listed_unasked.empty()) {
        co_await add_listed_rows(key, outcome);
    }
    // Named, not a temporary inside the co_await: GCC 12 destroys such a
    // temporary's members twice once the coroutine resumes.
    store::PolledAnswer answer{std::move(outcome.observations), std::move(schedule)};
    try {
        co_await parts_.ingest.async_apply_polled(std::move(answer), asio::use_awaitable);
    } catch (const std::exception& e) {
        metrics_.store_failure();
        if (const auto held = database_log_.admit(SteadyClock::now())) {
            spdlog::warn(
                "could not store the answer of a {} call for {} messages ({}); they are "
                "asked again when their lease ends ({} similar warnings held back)",
                key.source->name(), asked, e.what(), *held);
        }
    }
    claimed_.take_all(done);
    if (next_page.empty()) {
        co_return;
    }
    if (!held_.contains(scope_of(key))) {
        // The scope went to another replica while this page was asked: its
        // rows are that replica's now (their leases run out, then it asks;
        // at once when this replica is handing the scope over).
        claimed_.take_all(next_page);
        if (handing_.contains(scope_of(key))) {
            co_await give_back(std::move(next_page));
        }
    } else if (stopping_) {
        claimed_.take_all(next_page);
        co_await give_back(std::move(next_page));
    } else {
        enqueue(PlannedCall{call.source, call.account, std::move(call.group),
                            std::move(call.message_id), std::move(next_page),
                            std::move(outcome.next_cursor)});
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
    const auto name = to_string(key);
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
