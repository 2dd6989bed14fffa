// The scheduler's tick: scope locks, claims, window closes and plans.
#include <algorithm>
#include <set>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "deliveryd/net/offload.hpp"
#include "deliveryd/reconcile/claim_sizing.hpp"
#include "deliveryd/reconcile/configured.hpp"
#include "deliveryd/reconcile/early_polls.hpp"
#include "deliveryd/reconcile/status_source.hpp"
#include "deliveryd/store/report_metrics.hpp"
#include "deliveryd/store/status_store.hpp"

#include "reconcile/scheduler_impl.hpp"

namespace deliveryd::reconcile {
namespace {

constexpr auto backlog_interval = std::chrono::seconds(10);

}  // namespace

asio::awaitable<void> Scheduler::Impl::tick_loop(std::shared_ptr<Impl> self) {
    self->ticking_ = true;
    while (!self->stopping_) {
        try {
            co_await self->tick();
        } catch (const std::exception& e) {
            if (const auto held = self->database_log_.admit(SteadyClock::now())) {
                spdlog::warn("polling tick failed: {} ({} similar warnings held back)", e.what(),
                             *held);
            }
        }
        if (self->stopping_) {
            break;
        }
        self->tick_timer_.expires_after(self->config_.schedule.tick);
        co_await self->tick_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    self->ticking_ = false;  // shut_down may release the locks now
    self->notify_if_idle();
}

asio::awaitable<void> Scheduler::Impl::tick() {
    ++tick_number_;
    struct Locks {
        std::set<store::PollScope> held;
        std::size_t surplus = 0;
        std::size_t replicas = 0;
    };
    auto refresh = [this] {
        auto held = locks_.refresh();
        return Locks{std::move(held), locks_.surplus(), locks_.replicas()};
    };
    auto locks = co_await net::offload(parts_.db_threads, std::move(refresh));
    if (stopping_) {
        co_return;
    }
    metrics_.replicas(locks.replicas);
    std::erase_if(handing_, [&locks](const auto& scope) { return !locks.held.contains(scope); });
    auto held = std::move(locks.held);
    for (const auto& scope : handing_) {
        held.erase(scope);
    }
    for (const auto& scope : scopes_) {
        const bool now_held = held.contains(scope);
        if (held_.contains(scope) && !now_held) {
            drop_scope(scope);
        }
        if (now_held && !held_.contains(scope)) {
            // The previous holder's last calls may still be inside the
            // provider's window (it died a moment ago): this replica's
            // limiters do not know them, so they start one window late.
            for (const auto& key : keys_of(targets_, scope)) {
                auto& limiter = keys_.at(key)->limiter;
                limiter.hold_until(SteadyClock::now() + limiter.window());
            }
        }
        metrics_.scope_held(scope.name(), now_held);
    }
    held_ = held;
    if (locks.surplus > handing_.size()) {
        co_await hand_over(locks.surplus - handing_.size());
    }
    co_await release_handed_over();

    const bool measure_backlog = SteadyClock::now() - backlog_measured_at_ >= backlog_interval;
    for (const auto& scope : scopes_) {
        if (!held_.contains(scope) || stopping_) {
            continue;
        }
        try {
            co_await sweep(scope);
            for (const auto lane : store::lanes_of(scope)) {
                co_await claim_and_plan(scope, lane);
            }
            if (measure_backlog) {
                co_await measure(scope);
            }
        } catch (const std::exception& e) {
            if (const auto held_back = database_log_.admit(SteadyClock::now())) {
                spdlog::warn("polling scope {}: {} ({} similar warnings held back)", scope.name(),
                             e.what(), *held_back);
            }
        }
    }
    if (measure_backlog) {
        backlog_measured_at_ = SteadyClock::now();
    }
    for (auto& [key, state] : keys_) {
        state->recent_rows /= 2;  // the mix follows the last few claims
        metrics_.key_state(key, state->limiter.utilisation(), state->queue.size());
    }
    co_await unpolled_.look(scopes_);
}

void Scheduler::Impl::drop_scope(const store::PollScope& scope) {
    if (handing_.contains(scope)) {
        return;  // unqueued already
    }
    spdlog::warn("polling scope {}: lock lost, dropping its queued calls", scope.name());
    (void)unqueue_scope(scope);
}

std::vector<std::string> Scheduler::Impl::unqueue_scope(const store::PollScope& scope) {
    const auto keys = keys_of(targets_, scope);
    std::vector<std::string> ids;
    for (const auto& key : keys) {
        auto& state = *keys_.at(key);
        for (const auto& call : state.queue) {
            ids.insert(ids.end(), call.sms_ids.begin(), call.sms_ids.end());
        }
        state.queue.clear();
    }
    const auto filling = filling_.drop(keys);
    ids.insert(ids.end(), filling.begin(), filling.end());
    claimed_.take_all(ids);
    return ids;
}

asio::awaitable<void> Scheduler::Impl::hand_over(std::size_t count) {
    // The scopes with the least work queued or in flight go first.
    std::vector<std::pair<std::size_t, store::PollScope>> by_work;
    for (const auto& scope : held_) {
        std::size_t work = 0;
        for (const auto& key : keys_of(targets_, scope)) {
            const auto& state = *keys_.at(key);
            work += state.queue.size() + state.in_flight;
        }
        by_work.emplace_back(work, scope);
    }
    std::sort(by_work.begin(), by_work.end());
    by_work.resize(std::min(count, by_work.size()));
    std::vector<std::string> unsent;
    for (const auto& [work, scope] : by_work) {
        spdlog::info("polling scope {}: handing it over to even out the replicas' shares",
                     scope.name());
        const auto ids = unqueue_scope(scope);
        unsent.insert(unsent.end(), ids.begin(), ids.end());
        held_.erase(scope);
        handing_.insert(scope);
        metrics_.scope_held(scope.name(), false);
    }
    co_await give_back(std::move(unsent));
}

asio::awaitable<void> Scheduler::Impl::release_handed_over() {
    std::vector<store::PollScope> idle;
    for (const auto& scope : handing_) {
        const auto keys = keys_of(targets_, scope);
        if (std::all_of(keys.begin(), keys.end(),
                        [this](const auto& key) { return keys_.at(key)->in_flight == 0; })) {
            idle.push_back(scope);
        }
    }
    if (idle.empty()) {
        co_return;
    }
    // Its last calls may still be inside the provider's window: the replica
    // taking the scope over starts its limiters one window late (tick()).
    auto release = [this, &idle] {
        std::vector<store::PollScope> released;
        for (const auto& scope : idle) {
            if (locks_.release(scope)) {
                released.push_back(scope);
            }
        }
        return released;
    };
    for (const auto& scope : co_await net::offload(parts_.db_threads, std::move(release))) {
        handing_.erase(scope);
        metrics_.scope_handed_over(scope.name());
    }
}

std::size_t Scheduler::Impl::claim_rows_for(const store::PollScope& scope,
                                            store::ClaimLane lane) const {
    std::vector<KeyLoad> loads;
    for (const auto& key : keys_of(targets_, scope, lane)) {
        const auto& state = *keys_.at(key);
        loads.push_back(KeyLoad{key, state.limiter.sustained_rate(),
                                state.queue.size() + state.in_flight,
                                static_cast<std::size_t>(state.recent_rows)});
    }
    return claim_size(loads, static_cast<std::size_t>(recent_other_rows_),
                      ClaimSizing{.tick = config_.schedule.tick})
        .rows;
}

asio::awaitable<void> Scheduler::Impl::claim_and_plan(const store::PollScope& scope,
                                                      store::ClaimLane lane) {
    const auto wanted = claim_rows_for(scope, lane);
    if (wanted == 0) {
        co_return;
    }
    auto claim = [this, &scope, wanted, lane] {
        return polls_.claim_due(scope, wanted, config_.schedule.lease, lane);
    };
    auto rows = co_await net::offload(parts_.db_threads, std::move(claim));
    const bool drained = rows.size() < wanted;
    // Every due row is claimed and the limiter still has calls to spare:
    // they ask the rows most likely to have changed (early_polls.hpp).
    std::vector<store::EarlyRow> early;
    if (drained && lane == store::ClaimLane::zalo_delivery && config_.schedule.spare_calls &&
        !stopping_) {
        auto claim_early = [this, &scope, spare = wanted - rows.size(), lane] {
            return polls_.claim_early(scope, spare, config_.schedule.lease, lane,
                                      early_poll_rule());
        };
        early = co_await net::offload(parts_.db_threads, std::move(claim_early));
    }
    if (stopping_) {
        std::vector<std::string> ids;
        for (auto& row : rows) {
            ids.push_back(std::move(row.sms_id));
        }
        for (auto& e : early) {
            ids.push_back(std::move(e.row.sms_id));
        }
        co_await give_back(std::move(ids));
        co_return;
    }
    metrics_.claimed(scope.name(), rows.size());
    metrics_.claimed_early(scope.name(), early.size());

    // Rows whose window has ended are closed, not asked about; rows
    // still in memory from an earlier claim (a lease that ran out while
    // their call waited) are not asked about twice.
    const auto now = core::timestamp_now();
    std::vector<store::WindowClose> closes;
    std::vector<core::State> to_plan;
    for (auto& row : rows) {
        if (claimed_.find(row.sms_id)) {
            continue;
        }
        if (backoff_.window_ended(row.submitted_at, now)) {
            closes.push_back({row.sms_id, backoff_.window_end(row.submitted_at)});
        } else if (claimed_.admit(row)) {
            to_plan.push_back(std::move(row));
        }
    }
    for (auto& e : early) {
        // Younger than any window: only a row still in another call is skipped.
        if (claimed_.admit(e.row, e.due_at)) {
            to_plan.push_back(std::move(e.row));
        }
    }
    if (!closes.empty()) {
        auto close = [this, &closes] {
            parts_.report_metrics.applied({}, parts_.status_store.close_windows(closes),
                                          store::ReportPath::window);
        };
        co_await net::offload(parts_.db_threads, std::move(close));
        metrics_.windows_closed(closes.size());
    }

    auto plan = plan_calls(to_plan, targets_);
    co_await set_aside(plan.unplannable, now);
    std::map<LimiterKey, std::size_t> rows_per_key;
    for (auto& call : plan.calls) {
        rows_per_key[key_of(call)] += call.sms_ids.size();
        if (call.source->ids_per_call() > 1) {
            filling_.add(std::move(call), tick_number_);
        } else {
            enqueue(std::move(call));
        }
    }
    for (const auto& [key, count] : rows_per_key) {
        keys_.at(key)->recent_rows += static_cast<double>(count);
    }
    recent_other_rows_ = recent_other_rows_ / 2 + static_cast<double>(plan.unplannable.size());
    for (auto& call : filling_.take_ready(keys_of(targets_, scope, lane), tick_number_, drained)) {
        enqueue(std::move(call));
    }
}

asio::awaitable<void> Scheduler::Impl::set_aside(const std::vector<Unplannable>& rows,
                                                 core::Timestamp now) {
    if (rows.empty()) {
        co_return;
    }
    std::vector<store::Reschedule> later;
    std::map<UnplannableReason, std::size_t> counts;
    for (const auto& row : rows) {
        ++counts[row.reason];
        const auto claimed = claimed_.take(row.sms_id);
        if (!claimed) {
            continue;
        }
        const auto steps = static_cast<int>(config_.schedule.backoff.size());
        later.push_back(
            {row.sms_id, backoff_.next_poll_at(claimed->submitted_at, steps + 1, now), false});
    }
    for (const auto& [reason, count] : counts) {
        metrics_.unplannable(to_string(reason), count);
        spdlog::debug("{} claimed messages cannot be polled: {}", count, to_string(reason));
    }
    try {
        auto work = [this, &later] { polls_.reschedule(later); };
        co_await net::offload(parts_.db_threads, std::move(work));
    } catch (const std::exception& e) {
        metrics_.store_failure();
        spdlog::warn("could not reschedule {} unpollable messages: {}", later.size(), e.what());
    }
}

asio::awaitable<void> Scheduler::Impl::measure(const store::PollScope& scope) {
    auto count = [this, &scope] { return polls_.due_backlog(scope); };
    const auto backlog = co_await net::offload(parts_.db_threads, std::move(count));
    double age = 0;
    if (backlog.oldest_due) {
        age = std::max(
            0.0,
            std::chrono::duration<double>(core::timestamp_now() - *backlog.oldest_due).count());
    }
    metrics_.backlog(scope.name(), backlog.due_rows, age);

    std::vector<store::KeyActivity> activity;
    for (const auto& key : keys_of(targets_, scope)) {
        const auto& state = *keys_.at(key);
        activity.push_back({.account = key.account,
                            .endpoint = std::string(key.source->name()),
                            .rate_limit = state.rate_limit,
                            .utilisation = state.limiter.utilisation(),
                            .queued_calls = state.queue.size()});
    }
    auto record = [this, &scope, &activity, due = backlog.due_rows] {
        polls_.record_activity(scope, replica_, due, activity);
    };
    co_await net::offload(parts_.db_threads, std::move(record));
}

}  // namespace deliveryd::reconcile
