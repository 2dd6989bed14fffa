// When to ask about a message again: polling starts after a grace
// period, backs off along the configured steps (2m, 5m, 15m, 1h, 6h, then the
// last step repeated: daily), and stops at the end of the polling window.
//
// Rules, for a row submitted at T with `poll_attempts` polls made so far:
//  * window end E = T + window. At or after E the row is not polled: the
//    scheduler calls core::close_window(row, E) (with E, not the time it got
//    round to it, so every replica closes it the same way).
//  * first poll: T + grace, which is also the SQL default of next_poll_at
//    (no jitter there: the sender's INSERT computes it).
//  * after the k-th poll got an answer (k = poll_attempts counting that poll;
//    an id GetCallback did not return counts as an answer): now + backoff[k-1]
//    (the last step for k > steps), times a random factor in [1 - j, 1 + j),
//    and never after E. A row whose next step would pass E comes back at E,
//    to be closed.
//  * after a transient failure (retry-later result code, TPS exceeded,
//    timeout, HTTP 5xx, malformed answer): poll_attempts is left as it was
//    (an outage must not use up the schedule) and the row comes back after
//    retry_first * 2^(f-1) for the f-th consecutive failure of that endpoint,
//    capped at step(k) (the interval the row is on: backoff[k-1], k >= 1),
//    times the same random factor, never after E. The scheduler counts f per
//    (account, endpoint) and resets it on the first success.
//
// Jitter spreads rows that were due together (a bulk send) so they do not
// come back as one burst. Thread-safety: const member functions are as
// thread-safe as the random source; the seeded one from seeded_unit_random()
// is not (use one Backoff per strand).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "deliveryd/core/status.hpp"
#include "deliveryd/reconcile/settings.hpp"

namespace deliveryd::reconcile {

// Uniform in [0, 1). Values outside are clamped.
using UnitRandom = std::function<double()>;

// A deterministic source for production use (seed it from std::random_device).
[[nodiscard]] UnitRandom seeded_unit_random(std::uint64_t seed);

struct BackoffOptions {
    double jitter = 0.10;  // j: each delay is scaled by a factor in [1 - j, 1 + j); in [0, 1)
    std::chrono::milliseconds retry_first{std::chrono::seconds(5)};  // > 0
};

class Backoff {
  public:
    // Throws std::invalid_argument when the schedule has no steps, a step or
    // the window is not positive, grace is negative, jitter is outside [0, 1),
    // retry_first is not positive or `random` is empty.
    Backoff(ScheduleSettings schedule, UnitRandom random, BackoffOptions options = {});

    [[nodiscard]] core::Timestamp window_end(core::Timestamp submitted_at) const;
    [[nodiscard]] bool window_ended(core::Timestamp submitted_at, core::Timestamp now) const;

    // submitted_at + grace, capped at the window end.
    [[nodiscard]] core::Timestamp first_poll_at(core::Timestamp submitted_at) const;

    // The un-jittered delay after the poll_attempts-th answered poll
    // (poll_attempts < 1 counts as 1).
    [[nodiscard]] Duration step(int poll_attempts) const noexcept;

    // When to poll next after an answer; see the rules above. <= now only when
    // the window has already ended.
    [[nodiscard]] core::Timestamp next_poll_at(core::Timestamp submitted_at, int poll_attempts,
                                               core::Timestamp now) const;

    // When to try again after a transient failure; `consecutive_failures` < 1
    // counts as 1.
    [[nodiscard]] core::Timestamp retry_at(core::Timestamp submitted_at, int poll_attempts,
                                           int consecutive_failures, core::Timestamp now) const;

    [[nodiscard]] const ScheduleSettings& schedule() const noexcept { return schedule_; }
    [[nodiscard]] const BackoffOptions& options() const noexcept { return options_; }

  private:
    [[nodiscard]] core::Timestamp after(core::Timestamp submitted_at, core::Timestamp now,
                                        Duration delay) const;

    ScheduleSettings schedule_;
    UnitRandom random_;
    BackoffOptions options_;
};

}  // namespace deliveryd::reconcile
