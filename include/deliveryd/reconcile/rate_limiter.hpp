// A rate limiter for one (account, endpoint): decides when each status call
// may leave so that the provider, counting calls as they *arrive* in a sliding
// 1-second window, never sees more than its limit.
//
// Why not a token bucket: a bucket with burst = rate lets `rate` calls go at
// the end of one second and `rate` more at the start of the next, so a sliding
// second at the provider can hold twice the limit. Network jitter makes it
// worse: arrivals bunch closer together than departures.
//
// Parameters (RateLimit): r = rate, m = margin, J = jitter. Derived:
//   L = floor(r) calls per P = 1 s        the provider's count
//       (r < 1: L = 1 call per P = 1 s / r)
//   W = max(L / (r * (1 - m)),  P + J)    the limiter's window
// The limiter remembers the last L departure times d[0] <= d[1] <= ... and
// lets a call go at the earliest t, no earlier than the previous departure,
// with
//   t - d[k - L] >= W          (the oldest of the last L calls is W old)
// i.e. any half-open interval of length W holds at most L departures.
//
// A departure is the moment the call's request is handed to its connection,
// not the moment its slot was granted: under a CPU stall the two can be
// hundreds of milliseconds apart (measured: 342 ms at p99 on a loaded
// machine), more than any jitter allowance. So a call takes a reservation
// (try_reserve), and the caller reports when it really left (departed). Until
// then the reservation counts as leaving at any moment from now on: it is in
// every window that reaches the present, and L reservations still out block
// the next call until one is reported.
//
// The guarantee: if every call's one-way delay (departure -> counted arrival)
// lies within some [D, D + W - P], i.e. delays differ from each other by at
// most W - P >= J, then every half-open window (t - P, t] at the provider
// holds at most L arrivals: those arrivals left within (t - P - (W - P) - D,
// t - D], an interval of length W. The long-run rate is L / W =
// min(r * (1 - m), L / (P + J)): the margin keeps the average below the limit
// for what the model leaves out (a provider counting with a coarse clock, or
// a window a little longer than a second), and by itself already tolerates
// W - P = L / (r (1 - m)) - 1 s of jitter (52.6 ms at m = 5% for a whole r).
// Delays that differ by more (a TCP retransmission) are not covered; the
// provider then answers "TPS exceeded" (eSMS 160) and hold_until() pauses
// the limiter.
//
// Why not "N = floor(r (1 - m)) calls per 1 s": it gives floor(28.5) = 28/s
// for a 30/s endpoint (93%) and 1/s for 2/s, where this gives 28.5 and 1.9;
// and it still needs the jitter term to be safe against bunched arrivals.
//
// Defaults: m = 5%, J = 50 ms. With a reused connection the spread of one-way
// delays is the sender's event-loop lag and network queueing, a few ms; a call
// that opens a new connection waits one or two extra round trips, which 50 ms
// covers up to a 25 ms RTT (in-country). At these defaults the margin term
// decides W (1.0526 s > 1.05 s for a whole r), so the jitter allowance costs
// no throughput beyond the margin; it does whenever J > m / (1 - m) s.
//
// Time is std::chrono::steady_clock; an injected Clock lets tests use a fake.
// Slots are granted in non-decreasing time order: a `now` earlier than the
// last grant is treated as that grant's time. A slot that is never used (the
// call is abandoned) only makes the limiter more conservative.
//
// Not thread-safe: one limiter per (account, endpoint), used from one strand.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

namespace deliveryd::reconcile {

struct RateLimit {
    double rate = 1;       // calls per second the provider allows, in (0, 1e7]
    double margin = 0.05;  // in [0, 1)
    std::chrono::steady_clock::duration jitter = std::chrono::milliseconds(50);  // >= 0
    // Also space departures W / L apart (see above): calls then leave evenly
    // spaced instead of L at once every W. Same long-run rate; no burst, so
    // the calls share one reused connection instead of opening L at once, and
    // their one-way delays stay alike (measured: bursts of 10 over fresh
    // connections arrived spread wider than the 52 ms tolerated). The spacing
    // follows a schedule, not the last departure: a call that leaves late
    // (a timer or an event loop a little behind) by up to half a gap does
    // not push the calls after it back, or every late wake-up would cost
    // throughput for good (measured: 4.5% at 95 calls/s). A call later than
    // that (or the first after a pause) starts the schedule again from itself.
    bool even_spacing = false;
};

class RateLimiter {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;
    using Duration = std::chrono::steady_clock::duration;
    using Clock = std::function<TimePoint()>;

    // Throws std::invalid_argument for a rate outside (0, 1e7], a margin
    // outside [0, 1), a negative jitter or an empty clock (configuration is
    // validated first, so this is a start-up error).
    explicit RateLimiter(RateLimit limit, Clock clock = &std::chrono::steady_clock::now);

    // The earliest time the next call may leave. A time <= now means "now";
    // TimePoint::min() when nothing constrains it yet.
    [[nodiscard]] TimePoint next_allowed_at() const noexcept;

    // Takes a slot at `now` if next_allowed_at() <= now, for a call that
    // leaves at once; false (and no slot taken) otherwise.
    [[nodiscard]] bool try_acquire(TimePoint now);
    [[nodiscard]] bool try_acquire() { return try_acquire(clock_()); }

    // A slot for a call whose request is handed to its connection later: it
    // counts as leaving at any moment until departed() or settle() names it.
    struct Reservation {
        std::uint64_t id = 0;
        TimePoint slot{};  // when it was granted
    };
    // Takes a slot at `now` like try_acquire(); nothing when it is too early.
    [[nodiscard]] std::optional<Reservation> try_reserve(TimePoint now);
    // The call left at `at` (a time before its slot counts as the slot).
    // False when the reservation was already reported or settled.
    bool departed(Reservation reservation, TimePoint at);
    // The call is over: if it never reported leaving, it counts as having
    // left at its slot (whether it reached the provider is unknown). False
    // when it was already reported or settled.
    bool settle(Reservation reservation);
    [[nodiscard]] std::size_t reservations_out() const noexcept { return pending_.size(); }

    // Reserves the earliest slot at or after `now` and returns it: the caller
    // must not send before that time (it waits on a timer, then sends).
    // Throws std::logic_error when L reservations are still out (no slot
    // can be named until one is reported).
    [[nodiscard]] TimePoint acquire_at(TimePoint now);
    [[nodiscard]] TimePoint acquire() { return acquire_at(clock_()); }

    // No call leaves before `until` (the provider said "TPS exceeded", or the
    // account is paused). An earlier `until` than a previous hold is ignored.
    void hold_until(TimePoint until) noexcept;

    // For a gauge: departures in (now - W, now] and reservations still out,
    // divided by L, in [0, 1]; 1 means calls leave as fast as allowed. Slots
    // acquired for later than `now` are not counted.
    [[nodiscard]] double utilisation(TimePoint now) const noexcept;
    [[nodiscard]] double utilisation() const { return utilisation(clock_()); }

    [[nodiscard]] TimePoint now() const { return clock_(); }
    [[nodiscard]] const RateLimit& limit() const noexcept { return limit_; }
    [[nodiscard]] std::size_t window_calls() const noexcept { return calls_; }  // L
    [[nodiscard]] Duration window() const noexcept { return window_; }          // W
    // W - P: how much one-way delays may differ before the guarantee lapses.
    [[nodiscard]] Duration tolerated_jitter() const noexcept { return window_ - period_; }
    // L / W calls per second: what a greedy caller gets in the long run.
    [[nodiscard]] double sustained_rate() const noexcept;

  private:
    void grant(TimePoint slot);
    void record(TimePoint departure);
    std::vector<Reservation>::iterator find_pending(Reservation reservation);

    RateLimit limit_;
    Clock clock_;
    std::size_t calls_ = 1;  // L
    Duration period_{};      // P
    Duration window_{};      // W
    Duration gap_{};         // W / L with even_spacing, else 0
    TimePoint paced_{};      // with even_spacing: the schedule's next departure
    TimePoint hold_ = TimePoint::min();
    TimePoint last_grant_ = TimePoint::min();
    std::deque<TimePoint> recent_;      // the last L reported departures, oldest first
    std::vector<Reservation> pending_;  // not reported yet
    std::uint64_t reservations_ = 0;
};

}  // namespace deliveryd::reconcile
