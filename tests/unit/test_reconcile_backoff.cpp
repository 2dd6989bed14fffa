// Backoff: the polling schedule, its jitter, the window's end, and the retry
// delay after transient provider errors.
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/reconcile/backoff.hpp"

namespace deliveryd::reconcile {
namespace {

using namespace std::chrono_literals;
using core::Timestamp;

const Timestamp submitted{std::chrono::sys_days{std::chrono::year{2025} / 3 / 1}};

UnitRandom constant(double u) {
    return [u] { return u; };
}

// The example configuration: grace 2m, steps 2m 5m 15m 1h 6h 24h, window 7d.
Backoff backoff(double u = 0.5, BackoffOptions options = {}) {
    return Backoff(ScheduleSettings{}, constant(u), options);
}

TEST(ReconcileBackoff, StepsFollowTheScheduleThenRepeatTheLast) {
    const auto b = backoff();
    EXPECT_EQ(b.step(1), 2min);
    EXPECT_EQ(b.step(2), 5min);
    EXPECT_EQ(b.step(3), 15min);
    EXPECT_EQ(b.step(4), 1h);
    EXPECT_EQ(b.step(5), 6h);
    EXPECT_EQ(b.step(6), 24h);
    EXPECT_EQ(b.step(7), 24h);
    EXPECT_EQ(b.step(1000), 24h);
    EXPECT_EQ(b.step(0), 2min);
    EXPECT_EQ(b.step(-5), 2min);
}

TEST(ReconcileBackoff, FirstPollAfterGraceAndWindowEnd) {
    const auto b = backoff();
    EXPECT_EQ(b.first_poll_at(submitted), submitted + 2min);
    EXPECT_EQ(b.window_end(submitted), submitted + 7 * 24h);
    EXPECT_FALSE(b.window_ended(submitted, submitted + 7 * 24h - 1us));
    EXPECT_TRUE(b.window_ended(submitted, submitted + 7 * 24h));

    ScheduleSettings long_grace;
    long_grace.grace = 8 * 24h;
    const Backoff late(long_grace, constant(0.5));
    EXPECT_EQ(late.first_poll_at(submitted), submitted + 7 * 24h);
}

TEST(ReconcileBackoff, JitterScalesTheStepWithinTenPercent) {
    const auto now = submitted + 10min;
    EXPECT_EQ(backoff(0.5).next_poll_at(submitted, 2, now), now + 5min);
    EXPECT_EQ(backoff(0.0).next_poll_at(submitted, 2, now), now + 4min + 30s);
    EXPECT_EQ(backoff(0.75).next_poll_at(submitted, 2, now), now + 5min + 15s);
    const auto top = backoff(std::nextafter(1.0, 0.0)).next_poll_at(submitted, 2, now);
    EXPECT_LE(top, now + 5min + 30s);
    EXPECT_GE(top, now + 5min + 30s - 1us);

    // A source that misbehaves is clamped, never pushing a row into the past.
    EXPECT_EQ(backoff(-3.0).next_poll_at(submitted, 2, now), now + 4min + 30s);
    EXPECT_LE(backoff(7.0).next_poll_at(submitted, 2, now), now + 5min + 30s);
    EXPECT_EQ(backoff(std::numeric_limits<double>::quiet_NaN()).next_poll_at(submitted, 2, now),
              now + 5min);

    BackoffOptions exact;
    exact.jitter = 0;
    EXPECT_EQ(backoff(0.0, exact).next_poll_at(submitted, 2, now), now + 5min);
}

TEST(ReconcileBackoff, SeededRandomSpreadsWithinBounds) {
    const Backoff b(ScheduleSettings{}, seeded_unit_random(42));
    const auto now = submitted + 1h;
    auto earliest = Timestamp::max();
    auto latest = Timestamp::min();
    for (int i = 0; i < 2000; ++i) {
        const auto at = b.next_poll_at(submitted, 4, now);
        ASSERT_GE(at, now + 54min);
        ASSERT_LT(at, now + 66min);
        earliest = std::min(earliest, at);
        latest = std::max(latest, at);
    }
    // Spread over (nearly) the whole ±10%.
    EXPECT_LT(earliest, now + 55min);
    EXPECT_GT(latest, now + 65min);

    auto first = seeded_unit_random(7);
    auto second = seeded_unit_random(7);
    for (int i = 0; i < 100; ++i) {
        const double u = first();
        EXPECT_EQ(u, second());
        EXPECT_GE(u, 0.0);
        EXPECT_LT(u, 1.0);
    }
}

TEST(ReconcileBackoff, NeverAfterTheWindowEnd) {
    const auto b = backoff(std::nextafter(1.0, 0.0));
    const auto end = submitted + 7 * 24h;
    EXPECT_EQ(b.next_poll_at(submitted, 6, end - 1h), end);
    EXPECT_EQ(b.next_poll_at(submitted, 1, end - 1min), end);
    // Asked after the end: the answer is the end (due now: close the window).
    EXPECT_EQ(b.next_poll_at(submitted, 9, end + 3h), end);
    EXPECT_EQ(b.retry_at(submitted, 9, 1, end - 1s), end);
}

TEST(ReconcileBackoff, WholeScheduleWithoutJitterEndsAtTheWindow) {
    const auto b = backoff(0.5);
    std::vector<Timestamp> polls;
    auto at = b.first_poll_at(submitted);
    int attempts = 0;
    while (!b.window_ended(submitted, at)) {
        polls.push_back(at);
        ++attempts;
        const auto next = b.next_poll_at(submitted, attempts, at);
        ASSERT_GT(next, at);
        at = next;
        ASSERT_LT(attempts, 100);
    }
    EXPECT_EQ(at, submitted + 7 * 24h);
    ASSERT_GE(polls.size(), 7u);
    const std::vector<Timestamp> expected_start = {
        submitted + 2min,  submitted + 4min,       submitted + 9min,       submitted + 24min,
        submitted + 84min, submitted + 84min + 6h, submitted + 84min + 30h};
    EXPECT_EQ(std::vector<Timestamp>(polls.begin(), polls.begin() + 7), expected_start);
    // Then daily: 84min + 30h + k * 24h < 7d for k = 1..5.
    EXPECT_EQ(polls.size(), 12u);
    EXPECT_EQ(polls.back(), submitted + 84min + 30h + 5 * 24h);
}

TEST(ReconcileBackoff, RetryDoublesPerFailureCappedByTheSchedule) {
    const auto b = backoff(0.5);
    const auto now = submitted + 30min;
    // poll_attempts 1: the schedule's next step is 2 minutes.
    EXPECT_EQ(b.retry_at(submitted, 1, 1, now), now + 5s);
    EXPECT_EQ(b.retry_at(submitted, 1, 2, now), now + 10s);
    EXPECT_EQ(b.retry_at(submitted, 1, 3, now), now + 20s);
    EXPECT_EQ(b.retry_at(submitted, 1, 5, now), now + 80s);
    EXPECT_EQ(b.retry_at(submitted, 1, 6, now), now + 2min);  // 160 s, capped
    EXPECT_EQ(b.retry_at(submitted, 1, 1000, now), now + 2min);
    EXPECT_EQ(b.retry_at(submitted, 1, 0, now), now + 5s);  // counts as the first
    EXPECT_EQ(b.retry_at(submitted, 0, 1, now), now + 5s);

    // Later in the schedule the cap is larger: 1 hour after the 4th poll.
    EXPECT_EQ(b.retry_at(submitted, 4, 10, now), now + 2560s);
    EXPECT_EQ(b.retry_at(submitted, 4, 11, now), now + 1h);

    // Jittered like the schedule.
    EXPECT_EQ(backoff(0.0).retry_at(submitted, 1, 2, now), now + 9s);

    BackoffOptions slow;
    slow.retry_first = 10min;  // longer than the first step: the step wins
    EXPECT_EQ(backoff(0.5, slow).retry_at(submitted, 1, 1, now), now + 2min);
}

TEST(ReconcileBackoff, RejectsBadSchedules) {
    ScheduleSettings no_steps;
    no_steps.backoff.clear();
    EXPECT_THROW(Backoff(no_steps, constant(0.5)), std::invalid_argument);

    ScheduleSettings zero_step;
    zero_step.backoff = {2min, 0min};
    EXPECT_THROW(Backoff(zero_step, constant(0.5)), std::invalid_argument);

    ScheduleSettings no_window;
    no_window.window = 0ms;
    EXPECT_THROW(Backoff(no_window, constant(0.5)), std::invalid_argument);

    ScheduleSettings negative_grace;
    negative_grace.grace = -1ms;
    EXPECT_THROW(Backoff(negative_grace, constant(0.5)), std::invalid_argument);

    BackoffOptions wide;
    wide.jitter = 1.0;
    EXPECT_THROW(Backoff(ScheduleSettings{}, constant(0.5), wide), std::invalid_argument);
    BackoffOptions no_retry;
    no_retry.retry_first = 0ms;
    EXPECT_THROW(Backoff(ScheduleSettings{}, constant(0.5), no_retry), std::invalid_argument);
    EXPECT_THROW(Backoff(ScheduleSettings{}, UnitRandom{}), std::invalid_argument);

    ScheduleSettings zero_grace;
    zero_grace.grace = 0ms;
    EXPECT_EQ(Backoff(zero_grace, constant(0.5)).first_poll_at(submitted), submitted);
}

}  // namespace
}  // namespace deliveryd::reconcile
