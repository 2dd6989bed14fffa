#include "deliveryd/reconcile/scheduler.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <unistd.h>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "deliveryd/core/log_throttle.hpp"
#include "deliveryd/core/time_text.hpp"
#include "deliveryd/net/http_client.hpp"
#include "deliveryd/net/offload.hpp"
#include "deliveryd/reconcile/backoff.hpp"
#include "deliveryd/reconcile/call_outcome.hpp"
#include "deliveryd/reconcile/callback_chunks.hpp"
#include "deliveryd/reconcile/claim_sizing.hpp"
#include "deliveryd/reconcile/configured.hpp"
#include "deliveryd/reconcile/key_health.hpp"
#include "deliveryd/reconcile/planner.hpp"
#include "deliveryd/reconcile/rate_limiter.hpp"
#include "deliveryd/reconcile/status_request.hpp"
#include "deliveryd/store/poll_store.hpp"
#include "deliveryd/store/report_metrics.hpp"
#include "deliveryd/store/scope_locks.hpp"
#include "deliveryd/store/status_store.hpp"

#include "reconcile/poll_metrics.hpp"
#include "reconcile/scope_keys.hpp"

namespace deliveryd::reconcile {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;
using Strand = asio::strand<asio::io_context::executor_type>;

namespace {

constexpr auto backlog_interval = std::chrono::seconds(10);

core::Timestamp wall_now() {
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
}

// The scopes this replica may poll: none with reconcile.poll off.
std::vector<store::PollScope> scopes_of(const app::Config& config) {
    return config.reconcile.poll ? configured_scopes(config) : std::vector<store::PollScope>{};
}

// How `deliveryd status` names this replica: host (the pod's name under
// Kubernetes) and process id.
std::string replica_name() {
    return asio::ip::host_name() + "/" + std::to_string(::getpid());
}

// What the scheduler remembers of a claimed row until its answer is stored.
struct ClaimedRow {
    core::Timestamp submitted_at;
    int poll_attempts = 0;
};

}  // namespace

class Scheduler::Impl : public std::enable_shared_from_this<Scheduler::Impl> {
  public:
    Impl(const app::Config& config, SchedulerParts parts)
        : config_(config),
          parts_(parts),
          strand_(asio::make_strand(parts.ioc)),
          tick_timer_(strand_),
          http_(strand_, net::HttpClientOptions{.timeout = config.reconcile.request_timeout,
                                                .connect_timeout = std::min(
                                                    config.reconcile.request_timeout,
                                                    app::Duration(std::chrono::seconds(3)))}),
          polls_(parts.pool),
          locks_(config.database.url, config.database.connect_timeout, scopes_of(config)),
          backoff_(config.reconcile, seeded_unit_random(std::random_device{}())),
          targets_(plan_targets(config)),
          metrics_(parts.registry) {
        for (const auto& scope : scopes_of(config)) {
            scopes_.push_back(scope);
            metrics_.scope_held(scope.name(), false);
            for (auto& key : keys_of(scope)) {
                const auto rate = configured_rate(config, key).value_or(1.0);
                auto state = std::make_unique<KeyState>(
                    RateLimit{
                        .rate = rate, .margin = config.reconcile.rate_margin, .even_spacing = true},
                    strand_);
                metrics_.credentials_failing(key, false);
                metrics_.rate_limit(key, rate);
                keys_.emplace(std::move(key), std::move(state));
            }
        }
    }

    void start() {
        if (scopes_.empty()) {
            spdlog::info("polling is off (reconcile.poll: false, or no provider configured)");
            return;
        }
        work_.emplace(parts_.ioc.get_executor());
        auto self = shared_from_this();
        for (auto& [key, state] : keys_) {
            asio::co_spawn(strand_, send_loop(self, key, *state), asio::detached);
        }
        asio::co_spawn(strand_, tick_loop(self), asio::detached);
    }

    void stop() {
        asio::post(strand_, [self = shared_from_this()] { self->stop_on_strand(); });
    }

  private:
    struct KeyState {
        KeyState(RateLimit limit, const Strand& strand)
            : rate_limit(limit.rate), limiter(limit), wake(strand), pace(strand) {}
        double rate_limit;  // calls per second the provider allows
        RateLimiter limiter;
        std::deque<PlannedCall> queue;
        asio::steady_timer wake;  // idle sender waits here; pushing a call cancels it
        asio::steady_timer pace;  // waits for the limiter's slot
        double recent_rows = 0;   // rows recent plans gave this key (decaying sum)
        KeyHealth health;
        std::size_t in_flight = 0;
    };

    void stop_on_strand() {
        if (stopping_) {
            return;
        }
        stopping_ = true;
        tick_timer_.cancel();
        std::vector<std::string> unsent;
        for (auto& [key, state] : keys_) {
            for (const auto& call : state->queue) {
                unsent.insert(unsent.end(), call.sms_ids.begin(), call.sms_ids.end());
            }
            state->queue.clear();
            state->wake.cancel();
            state->pace.cancel();
        }
        for (auto& id : chunks_.drop()) {
            unsent.push_back(std::move(id));
        }
        http_.stop();  // calls in flight complete as cancelled and give their rows back
        for (const auto& id : unsent) {
            claimed_.erase(id);
        }
        asio::co_spawn(strand_, shut_down(shared_from_this(), std::move(unsent)), asio::detached);
    }

    // Gives the unsent rows back, waits for the calls in flight to give
    // theirs back, then frees the scopes for the other replicas.
    static asio::awaitable<void> shut_down(std::shared_ptr<Impl> self,
                                           std::vector<std::string> unsent) {
        co_await self->give_back(std::move(unsent));
        asio::steady_timer wait(self->strand_);
        while (self->calls_in_flight_ > 0 || self->ticking_) {
            wait.expires_after(std::chrono::milliseconds(20));
            co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        auto release = [&locks = self->locks_] { locks.release_all(); };
        co_await net::offload(self->parts_.db_threads, std::move(release));
        for (const auto& scope : self->scopes_) {
            self->metrics_.scope_held(scope.name(), false);
        }
        spdlog::info("polling stopped");
        self->work_.reset();
    }

    asio::awaitable<void> give_back(std::vector<std::string> ids) {
        if (ids.empty()) {
            co_return;
        }
        try {
            auto work = [this, &ids] { polls_.release(ids); };
            co_await net::offload(parts_.db_threads, std::move(work));
        } catch (const std::exception& e) {
            spdlog::warn(
                "could not give {} claimed messages back ({}); they are due again when "
                "their lease ends",
                ids.size(), e.what());
        }
    }

    // ---- the tick: locks, claims, window closes, plans --------------------

    static asio::awaitable<void> tick_loop(std::shared_ptr<Impl> self) {
        self->ticking_ = true;
        while (!self->stopping_) {
            try {
                co_await self->tick();
            } catch (const std::exception& e) {
                if (const auto held = self->database_log_.admit(SteadyClock::now())) {
                    spdlog::warn("polling tick failed: {} ({} similar warnings held back)",
                                 e.what(), *held);
                }
            }
            if (self->stopping_) {
                break;
            }
            self->tick_timer_.expires_after(self->config_.reconcile.tick);
            co_await self->tick_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        self->ticking_ = false;  // shut_down may release the locks now
    }

    asio::awaitable<void> tick() {
        ++tick_number_;
        auto refresh = [this] { return locks_.refresh(); };
        const auto held = co_await net::offload(parts_.db_threads, std::move(refresh));
        if (stopping_) {
            co_return;
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
                for (const auto& key : keys_of(scope)) {
                    auto& limiter = keys_.at(key)->limiter;
                    limiter.hold_until(SteadyClock::now() + limiter.window());
                }
            }
            metrics_.scope_held(scope.name(), now_held);
        }
        held_ = held;

        const bool measure_backlog = SteadyClock::now() - backlog_measured_at_ >= backlog_interval;
        for (const auto& scope : scopes_) {
            if (!held_.contains(scope) || stopping_) {
                continue;
            }
            try {
                for (const auto lane : lanes_of(scope)) {
                    co_await claim_and_plan(scope, lane);
                }
                if (measure_backlog) {
                    co_await measure(scope);
                }
            } catch (const std::exception& e) {
                if (const auto held_back = database_log_.admit(SteadyClock::now())) {
                    spdlog::warn("polling scope {}: {} ({} similar warnings held back)",
                                 scope.name(), e.what(), *held_back);
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
    }

    // The rows of a scope this replica lost are someone else's now: forget
    // them (their leases run out, then the new holder asks).
    void drop_scope(const store::PollScope& scope) {
        spdlog::warn("polling scope {}: lock lost, dropping its queued calls", scope.name());
        for (const auto& key : keys_of(scope)) {
            auto& state = *keys_.at(key);
            for (const auto& call : state.queue) {
                for (const auto& id : call.sms_ids) {
                    claimed_.erase(id);
                }
            }
            state.queue.clear();
        }
        if (scope.kind == store::PollScope::Kind::esms_account) {
            for (const auto& id : chunks_.drop(scope.account)) {
                claimed_.erase(id);
            }
        }
    }

    std::size_t claim_rows_for(const store::PollScope& scope, store::ClaimLane lane) const {
        std::vector<KeyLoad> loads;
        for (const auto& key : keys_of(scope, lane)) {
            const auto& state = *keys_.at(key);
            loads.push_back(KeyLoad{key, state.limiter.sustained_rate(),
                                    state.queue.size() + state.in_flight,
                                    static_cast<std::size_t>(state.recent_rows)});
        }
        return claim_size(loads, static_cast<std::size_t>(recent_other_rows_),
                          ClaimSizing{.tick = config_.reconcile.tick})
            .rows;
    }

    asio::awaitable<void> claim_and_plan(const store::PollScope& scope, store::ClaimLane lane) {
        const auto wanted = claim_rows_for(scope, lane);
        if (wanted == 0) {
            co_return;
        }
        auto claim = [this, &scope, wanted, lane] {
            return polls_.claim_due(scope, wanted, config_.reconcile.lease, lane);
        };
        auto rows = co_await net::offload(parts_.db_threads, std::move(claim));
        if (stopping_) {
            std::vector<std::string> ids;
            for (auto& row : rows) {
                ids.push_back(std::move(row.sms_id));
            }
            co_await give_back(std::move(ids));
            co_return;
        }
        metrics_.claimed(scope.name(), rows.size());
        const bool drained = rows.size() < wanted;

        // Rows whose window has ended are closed, not asked about; rows
        // still in memory from an earlier claim (a lease that ran out while
        // their call waited) are not asked about twice.
        const auto now = wall_now();
        std::vector<store::WindowClose> closes;
        std::vector<core::State> to_plan;
        for (auto& row : rows) {
            if (claimed_.contains(row.sms_id)) {
                continue;
            }
            if (backoff_.window_ended(row.submitted_at, now)) {
                closes.push_back({row.sms_id, backoff_.window_end(row.submitted_at)});
            } else {
                claimed_.emplace(row.sms_id, ClaimedRow{row.submitted_at, row.poll_attempts});
                to_plan.push_back(std::move(row));
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
            if (call.endpoint == Endpoint::get_callback) {
                chunks_.add(std::move(call), tick_number_);
            } else {
                enqueue(std::move(call));
            }
        }
        for (const auto& [key, count] : rows_per_key) {
            keys_.at(key)->recent_rows += static_cast<double>(count);
        }
        recent_other_rows_ = recent_other_rows_ / 2 + static_cast<double>(plan.unplannable.size());
        if (lane == store::ClaimLane::lookup &&
            scope.kind == store::PollScope::Kind::esms_account) {
            for (auto& call : chunks_.take_ready(scope.account, tick_number_, drained)) {
                enqueue(std::move(call));
            }
        }
    }

    // Rows no call can answer (no OA id, an id eSMS cannot have issued, a
    // provider without configuration) are asked about again only on the
    // schedule's longest step, and expire when their window ends.
    asio::awaitable<void> set_aside(const std::vector<Unplannable>& rows, core::Timestamp now) {
        if (rows.empty()) {
            co_return;
        }
        std::vector<store::Reschedule> later;
        std::map<UnplannableReason, std::size_t> counts;
        for (const auto& row : rows) {
            ++counts[row.reason];
            const auto it = claimed_.find(row.sms_id);
            if (it == claimed_.end()) {
                continue;
            }
            const auto steps = static_cast<int>(config_.reconcile.backoff.size());
            later.push_back({row.sms_id,
                             backoff_.next_poll_at(it->second.submitted_at, steps + 1, now),
                             false});
            claimed_.erase(it);
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

    asio::awaitable<void> measure(const store::PollScope& scope) {
        auto count = [this, &scope] { return polls_.due_backlog(scope); };
        const auto backlog = co_await net::offload(parts_.db_threads, std::move(count));
        double age = 0;
        if (backlog.oldest_due) {
            age = std::max(0.0,
                           std::chrono::duration<double>(wall_now() - *backlog.oldest_due).count());
        }
        metrics_.backlog(scope.name(), backlog.due_rows, age);

        std::vector<store::KeyActivity> activity;
        for (const auto& key : keys_of(scope)) {
            const auto& state = *keys_.at(key);
            activity.push_back({.account = key.account,
                                .endpoint = std::string(to_string(key.endpoint)),
                                .rate_limit = state.rate_limit,
                                .utilisation = state.limiter.utilisation(),
                                .queued_calls = state.queue.size()});
        }
        auto record = [this, &scope, &activity, due = backlog.due_rows] {
            polls_.record_activity(scope, replica_, due, activity);
        };
        co_await net::offload(parts_.db_threads, std::move(record));
    }

    void enqueue(PlannedCall call) {
        auto& state = *keys_.at(key_of(call));
        state.queue.push_back(std::move(call));
        state.wake.cancel();
    }

    // ---- sending: one loop per key, paced by its limiter ------------------

    static asio::awaitable<void> send_loop(std::shared_ptr<Impl> self, LimiterKey key,
                                           KeyState& state) {
        while (!self->stopping_) {
            if (state.queue.empty()) {
                state.wake.expires_at(SteadyClock::time_point::max());
                co_await state.wake.async_wait(asio::as_tuple(asio::use_awaitable));
                continue;
            }
            // The departure is recorded when the call really leaves, not
            // when its turn was due: if the event loop stalls, a reserved
            // slot would be used late while later slots stay early, and the
            // calls would bunch at the provider.
            const auto allowed = state.limiter.next_allowed_at();
            if (allowed > SteadyClock::now()) {
                state.pace.expires_at(allowed);
                co_await state.pace.async_wait(asio::as_tuple(asio::use_awaitable));
                continue;
            }
            if (!state.limiter.try_acquire(SteadyClock::now())) {
                continue;
            }
            auto call = std::move(state.queue.front());
            state.queue.pop_front();
            ++state.in_flight;
            ++self->calls_in_flight_;
            asio::co_spawn(self->strand_, perform(self, key, std::move(call)), asio::detached);
        }
    }

    static asio::awaitable<void> perform(std::shared_ptr<Impl> self, LimiterKey key,
                                         PlannedCall call) {
        auto& state = *self->keys_.at(key);
        try {
            co_await self->perform_call(key, state, std::move(call));
        } catch (const std::exception& e) {
            spdlog::error("status call {} {}: {}", key.account, to_string(key.endpoint), e.what());
        }
        --state.in_flight;
        --self->calls_in_flight_;
    }

    asio::awaitable<void> perform_call(const LimiterKey& key, KeyState& state, PlannedCall call) {
        const auto started = SteadyClock::now();
        auto request = status_request(config_, call);
        const auto result = co_await http_.fetch(std::move(request));
        const auto took = SteadyClock::now() - started;
        if (result.failure == net::HttpFailure::cancelled) {
            std::vector<std::string> ids;
            for (auto& id : call.sms_ids) {
                claimed_.erase(id);
                ids.push_back(std::move(id));
            }
            co_await give_back(std::move(ids));
            co_return;
        }
        const auto now = wall_now();
        const CallAnswer answer{
            result.failure == net::HttpFailure::none ? "" : net::to_string(result.failure),
            result.status, result.body};
        auto outcome = interpret_answer(call, answer, now);
        spdlog::debug("status call {} {} ({} ids): {} in {} ms", key.account,
                      to_string(key.endpoint), call.sms_ids.size(), outcome.outcome,
                      std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
        metrics_.call(key, outcome.outcome, took);
        metrics_.observations(key, outcome.observations.size());
        note(key, state, call, outcome);

        const bool answered =
            outcome.verdict == CallVerdict::answered || outcome.verdict == CallVerdict::rejected;
        std::vector<store::Reschedule> schedule;
        for (const auto& id : call.sms_ids) {
            const auto it = claimed_.find(id);
            if (it == claimed_.end()) {
                continue;
            }
            const auto& row = it->second;
            const auto next =
                answered ? backoff_.next_poll_at(row.submitted_at, row.poll_attempts + 1, now)
                         : backoff_.retry_at(row.submitted_at, row.poll_attempts,
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
        for (const auto& id : call.sms_ids) {
            claimed_.erase(id);
        }
    }

    // Per-key bookkeeping of the verdict (KeyHealth): failures, pauses and their logs.
    void note(const LimiterKey& key, KeyState& state, const PlannedCall& call,
              const CallOutcome& outcome) {
        const auto step = state.health.record(outcome.verdict, SteadyClock::now());
        if (step.hold_until) {
            state.limiter.hold_until(*step.hold_until);
        }
        if (step.credentials_failing) {
            metrics_.credentials_failing(key, *step.credentials_failing);
        }
        const auto name = fmt::format("{} {}", key.account, to_string(key.endpoint));
        log_step(step, name, outcome);
        if (outcome.verdict == CallVerdict::rejected) {
            spdlog::debug("status call {} refused for {}: {}", name, call.sms_ids.front(),
                          outcome.detail);
        }
        for (const auto& text : outcome.notes) {
            spdlog::debug("status call {}: {}", name, text);
        }
    }

    const app::Config& config_;
    SchedulerParts parts_;
    Strand strand_;
    asio::steady_timer tick_timer_;
    net::HttpClient http_;
    store::PollStore polls_;
    store::ScopeLocks locks_;
    Backoff backoff_;
    PlanTargets targets_;
    PollMetrics metrics_;
    const std::string replica_ = replica_name();
    // While the database is down every tick and every answer fails: warn
    // once a minute (deliveryd_poll_store_failures_total counts them all).
    core::LogThrottle database_log_{std::chrono::minutes(1)};

    std::vector<store::PollScope> scopes_;
    std::set<store::PollScope> held_;
    std::map<LimiterKey, std::unique_ptr<KeyState>> keys_;
    CallbackChunks chunks_;  // GetCallback ids waiting for a full call
    std::unordered_map<std::string, ClaimedRow> claimed_;
    double recent_other_rows_ = 0;
    std::uint64_t tick_number_ = 0;
    std::size_t calls_in_flight_ = 0;
    SteadyClock::time_point backlog_measured_at_{};
    bool stopping_ = false;
    bool ticking_ = false;  // tick_loop runs (and may be using locks_ on a database thread)
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
};

Scheduler::Scheduler(const app::Config& config, SchedulerParts parts)
    : impl_(std::make_shared<Impl>(config, parts)) {}

Scheduler::~Scheduler() = default;

void Scheduler::start() {
    impl_->start();
}

void Scheduler::stop() {
    impl_->stop();
}

}  // namespace deliveryd::reconcile
