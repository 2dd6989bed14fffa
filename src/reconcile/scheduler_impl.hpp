// The polling loop's state and steps (scheduler.hpp says what it does),
// shared by its files: scheduler.cpp (construction, start and stop),
// scheduler_tick.cpp (claiming and planning), scheduler_sweep.cpp
// (backlogs swept with listings) and scheduler_calls.cpp (sending the calls
// and storing their answers). Private to src/reconcile.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "deliveryd/core/log_throttle.hpp"
#include "deliveryd/core/status.hpp"
#include "deliveryd/net/http_client.hpp"
#include "deliveryd/reconcile/backoff.hpp"
#include "deliveryd/reconcile/call_outcome.hpp"
#include "deliveryd/reconcile/filling_calls.hpp"
#include "deliveryd/reconcile/key_health.hpp"
#include "deliveryd/reconcile/planner.hpp"
#include "deliveryd/reconcile/rate_limiter.hpp"
#include "deliveryd/reconcile/scheduler.hpp"
#include "deliveryd/reconcile/sweep_rules.hpp"
#include "deliveryd/store/poll_store.hpp"
#include "deliveryd/store/scope_locks.hpp"

#include "reconcile/claimed_rows.hpp"
#include "reconcile/poll_metrics.hpp"
#include "reconcile/unpolled_watch.hpp"

namespace deliveryd::reconcile {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;
using Strand = asio::strand<asio::io_context::executor_type>;

class Scheduler::Impl : public std::enable_shared_from_this<Scheduler::Impl> {
  public:
    Impl(const PollingSettings& config, SchedulerParts parts);

    void start();
    void stop(std::function<void()> on_stopped);

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

    // ---- stopping (scheduler.cpp) ------------------------------------------

    void stop_on_strand();
    // Gives the unsent rows back, waits for the calls in flight to give
    // theirs back, then frees the scopes for the other replicas.
    static asio::awaitable<void> shut_down(std::shared_ptr<Impl> self,
                                           std::vector<std::string> unsent);

    // Makes claimed rows due again at once.
    asio::awaitable<void> give_back(std::vector<std::string> ids);
    // Once stopping: wakes shut_down when the last call and the tick have ended.
    void notify_if_idle();

    // ---- the tick: locks, claims, window closes, plans (scheduler_tick.cpp)

    static asio::awaitable<void> tick_loop(std::shared_ptr<Impl> self);
    asio::awaitable<void> tick();

    // The rows of a scope this replica lost are someone else's now: forget
    // them (their leases run out, then the new holder asks).
    void drop_scope(const store::PollScope& scope);
    // Takes a scope's queued and filling calls off and returns the rows they
    // held, forgotten by claimed_.
    std::vector<std::string> unqueue_scope(const store::PollScope& scope);
    // Gives up `count` held scopes for the replicas' shares to even out
    // (ScopeLocks::surplus): those with the least work queued stop being
    // polled now, their queued rows are due again at once, and each lock
    // is released once the scope's calls in flight have ended.
    asio::awaitable<void> hand_over(std::size_t count);
    asio::awaitable<void> release_handed_over();
    // How many rows to claim in a lane: enough to keep its keys' limiters busy.
    std::size_t claim_rows_for(const store::PollScope& scope, store::ClaimLane lane) const;
    asio::awaitable<void> claim_and_plan(const store::PollScope& scope, store::ClaimLane lane);

    // Rows no call can answer (no OA id, an id eSMS cannot have issued, a
    // provider without configuration) are asked about again only on the
    // schedule's longest step, and expire when their window ends.
    asio::awaitable<void> set_aside(const std::vector<Unplannable>& rows, core::Timestamp now);

    // The due backlog and the limiters' use, for metrics and `deliveryd status`.
    asio::awaitable<void> measure(const store::PollScope& scope);

    // ---- sweeps of backlogs with listings (scheduler_sweep.cpp) -------------

    // Starts a sweep of a scope's due rows of one group (an eSMS account's
    // SMS of one TypeId, eTelecom's ZNS of one OA) when they pass
    // reconcile.sweep_above (sweep_rules.hpp): claims them and queues the
    // first page of the listing of their window. Run each tick before the
    // scope's claims, so that the rows a sweep will answer are not asked one
    // by one.
    asio::awaitable<void> sweep(const store::PollScope& scope);
    // Claims the due rows of one group and queues the listing of their window.
    asio::awaitable<void> start_sweep(const store::PollScope& scope, const SweepChoice& choice,
                                      const std::vector<store::SweptWindow>& recent);

    // Moves the reports of outcome.listed_unasked about unresolved rows to
    // outcome.observations (to be merged with the call's answer) and counts
    // the others.
    asio::awaitable<void> add_listed_rows(const LimiterKey& key, CallOutcome& outcome);

    // ---- sending: one loop per key, paced by its limiter (scheduler_calls.cpp)

    void enqueue(PlannedCall call);
    static asio::awaitable<void> send_loop(std::shared_ptr<Impl> self, LimiterKey key,
                                           KeyState& state);
    // `check`: the call repeats the one last answered to test the keys
    // (KeyHealth::check_call): its answer is stored, but it answers for no
    // claimed row.
    // `reservation`: the call's slot with its key's limiter, reported when
    // the request leaves and settled when the call ends.
    static asio::awaitable<void> perform(std::shared_ptr<Impl> self, LimiterKey key,
                                         PlannedCall call, bool check,
                                         RateLimiter::Reservation reservation);
    asio::awaitable<void> perform_call(const LimiterKey& key, KeyState& state, PlannedCall call,
                                       bool check, net::HttpClient::SentHook on_sent);
    // Hands the moment a call's request left to its key's limiter, on the
    // scheduler's strand, and wakes a send loop waiting for that report.
    static net::HttpClient::SentHook report_departure(const std::shared_ptr<Impl>& self,
                                                      LimiterKey key,
                                                      RateLimiter::Reservation reservation);

    // Per-key bookkeeping of the verdict (KeyHealth): failures, pauses, probes
    // and their logs. The Step says how the call's rows go back on the schedule.
    KeyHealth::Step note(const LimiterKey& key, KeyState& state, const PlannedCall& call,
                         const CallOutcome& outcome);

    const PollingSettings config_;  // a copy: the caller's may be a temporary
    SchedulerParts parts_;
    Strand strand_;
    asio::steady_timer tick_timer_;
    asio::steady_timer idle_;  // shut_down waits here for calls and the tick to end
    net::HttpClient http_;
    store::PollStore polls_;
    store::ScopeLocks locks_;
    Backoff backoff_;
    PlanTargets targets_;
    PollMetrics metrics_;
    UnpolledWatch unpolled_;
    const std::string replica_;  // how `deliveryd status` names this replica
    // While the database is down every tick and every answer fails: warn
    // once a minute (deliveryd_poll_store_failures_total counts them all).
    core::LogThrottle database_log_{std::chrono::minutes(1)};

    std::vector<store::PollScope> scopes_;
    std::set<store::PollScope> held_;     // held and polled
    std::set<store::PollScope> handing_;  // held, no longer polled, released once idle
    std::map<LimiterKey, std::unique_ptr<KeyState>> keys_;
    FillingCalls filling_;  // ids of many-id sources waiting for a full call
    ClaimedRows claimed_;
    double recent_other_rows_ = 0;
    std::uint64_t tick_number_ = 0;
    std::size_t calls_in_flight_ = 0;
    SteadyClock::time_point backlog_measured_at_{};
    struct SweptWindow {
        store::SweptWindow window;
        SteadyClock::time_point until;  // left out of sweeps until then
    };
    std::map<std::string, std::vector<SweptWindow>> swept_;  // by scope name
    bool stopping_ = false;
    bool stopped_ = false;                           // shut_down has finished
    std::vector<std::function<void()>> on_stopped_;  // run once stopped
    bool ticking_ = false;  // tick_loop runs (and may be using locks_ on a database thread)
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
};

}  // namespace deliveryd::reconcile
