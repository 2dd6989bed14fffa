// RateLimiter: the burst, the window edge, and long greedy runs checked by a
// brute-force count of calls in every 1-second window, at departure and at
// arrival after delays up to the jitter bound.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/reconcile/rate_limiter.hpp"

namespace deliveryd::reconcile {
namespace {

using namespace std::chrono_literals;
using TimePoint = RateLimiter::TimePoint;
using Duration = RateLimiter::Duration;

const TimePoint t0 = TimePoint{} + 1000s;

struct FakeClock {
    TimePoint now = t0;
    RateLimiter::Clock clock() {
        return [this] { return now; };
    }
};

RateLimit limit(double rate, double margin = 0.05, Duration jitter = 50ms) {
    return RateLimit{rate, margin, jitter};
}

// The most times in any half-open window (t - span, t], counted directly.
std::size_t max_in_window(std::vector<TimePoint> times, Duration span) {
    std::sort(times.begin(), times.end());
    std::size_t most = 0;
    for (const auto t : times) {
        const auto right = std::upper_bound(times.begin(), times.end(), t);
        const auto left = std::upper_bound(times.begin(), times.end(), t - span);
        most = std::max(most, static_cast<std::size_t>(right - left));
    }
    return most;
}

TEST(ReconcileRateLimiter, DerivedWindowForTheDocumentedRates) {
    // 20 calls per 20 / 19 s: 19 calls/s in the long run, tolerating 52.6 ms.
    const RateLimiter get_callback(limit(20));
    EXPECT_EQ(get_callback.window_calls(), 20u);
    EXPECT_EQ(get_callback.window(), Duration(1052631579ns));
    EXPECT_EQ(get_callback.tolerated_jitter(), Duration(52631579ns));
    EXPECT_NEAR(get_callback.sustained_rate(), 19.0, 1e-6);

    const RateLimiter zalo(limit(30));
    EXPECT_EQ(zalo.window_calls(), 30u);
    EXPECT_NEAR(zalo.sustained_rate(), 28.5, 1e-6);  // not floor(28.5) = 28

    const RateLimiter send_status(limit(10));
    EXPECT_NEAR(send_status.sustained_rate(), 9.5, 1e-6);

    // A jitter allowance beyond the margin's becomes the binding term.
    const RateLimiter slow_network(limit(20, 0.05, 200ms));
    EXPECT_EQ(slow_network.window(), Duration(1200ms));
    EXPECT_NEAR(slow_network.sustained_rate(), 20.0 / 1.2, 1e-9);

    // The provider counts whole calls: 7.5/s allows 7 in a second.
    const RateLimiter fractional(limit(7.5));
    EXPECT_EQ(fractional.window_calls(), 7u);
    EXPECT_EQ(fractional.window(), Duration(1050ms));

    // No margin, no jitter: exactly the rate.
    const RateLimiter exact(limit(20, 0.0, 0ms));
    EXPECT_EQ(exact.window(), Duration(1s));
    EXPECT_DOUBLE_EQ(exact.sustained_rate(), 20.0);
}

TEST(ReconcileRateLimiter, BurstTakesTheLimitThenBlocks) {
    FakeClock fake;
    RateLimiter limiter(limit(20), fake.clock());
    EXPECT_LE(limiter.next_allowed_at(), t0);
    for (int i = 0; i < 20; ++i) {
        EXPECT_TRUE(limiter.try_acquire(t0)) << "call " << i;
    }
    EXPECT_FALSE(limiter.try_acquire(t0));
    EXPECT_FALSE(limiter.try_acquire());  // the injected clock says t0 too
    EXPECT_EQ(limiter.next_allowed_at(), t0 + limiter.window());
    fake.now = t0 + limiter.window();
    EXPECT_TRUE(limiter.try_acquire());
}

TEST(ReconcileRateLimiter, WindowEdgeWithoutMargin) {
    RateLimiter limiter(limit(20, 0.0, 0ms));
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(limiter.try_acquire(t0));
    }
    EXPECT_FALSE(limiter.try_acquire(t0 + 1s - 1us));
    EXPECT_TRUE(limiter.try_acquire(t0 + 1s));
}

TEST(ReconcileRateLimiter, WindowEdgeWithTheMargin) {
    RateLimiter limiter(limit(20));
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(limiter.try_acquire(t0));
    }
    // The provider would accept a call at t0 + 1 s; the margin holds it back
    // until the 20 calls are 20 / 19 s old.
    EXPECT_FALSE(limiter.try_acquire(t0 + 1s));
    EXPECT_FALSE(limiter.try_acquire(t0 + 1052631579ns - 1us));
    EXPECT_TRUE(limiter.try_acquire(t0 + 1052631579ns));
    // The window slides by one call at a time: the second call of the burst
    // also left at t0, so the next one may go at once...
    EXPECT_TRUE(limiter.try_acquire(t0 + 1052631579ns));
    // ...and after the burst's 20 are used up, the new ones count.
    for (int i = 0; i < 18; ++i) {
        ASSERT_TRUE(limiter.try_acquire(t0 + 1052631579ns));
    }
    EXPECT_FALSE(limiter.try_acquire(t0 + 2 * 1052631579ns - 1us));
    EXPECT_TRUE(limiter.try_acquire(t0 + 2 * 1052631579ns));
}

TEST(ReconcileRateLimiter, WindowEdgeWithTheJitterAllowance) {
    RateLimiter limiter(limit(20, 0.0, 50ms));
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(limiter.try_acquire(t0));
    }
    EXPECT_FALSE(limiter.try_acquire(t0 + 1s));
    EXPECT_FALSE(limiter.try_acquire(t0 + 1050ms - 1us));
    EXPECT_TRUE(limiter.try_acquire(t0 + 1050ms));
}

TEST(ReconcileRateLimiter, RateBelowOneIsOneCallPerPeriod) {
    RateLimiter limiter(limit(0.5));
    EXPECT_EQ(limiter.window_calls(), 1u);
    // max(1 / (0.5 * 0.95) s, 2 s + 50 ms) = 2.105... s.
    EXPECT_GE(limiter.window(), Duration(2105ms));
    EXPECT_LE(limiter.window(), Duration(2106ms));
    ASSERT_TRUE(limiter.try_acquire(t0));
    const auto next = limiter.next_allowed_at();
    EXPECT_EQ(next, t0 + limiter.window());
    EXPECT_FALSE(limiter.try_acquire(next - 1us));
    EXPECT_TRUE(limiter.try_acquire(next));
}

TEST(ReconcileRateLimiter, AcquireAtReservesSlotsInOrder) {
    RateLimiter limiter(limit(20));
    const auto w = limiter.window();
    std::vector<TimePoint> slots;
    for (int i = 0; i < 70; ++i) {
        slots.push_back(limiter.acquire_at(t0));
    }
    EXPECT_TRUE(std::is_sorted(slots.begin(), slots.end()));
    EXPECT_EQ(slots[0], t0);
    EXPECT_EQ(slots[19], t0);
    EXPECT_EQ(slots[20], t0 + w);
    EXPECT_EQ(slots[40], t0 + 2 * w);
    EXPECT_EQ(slots[69], t0 + 3 * w);
    // Reserved slots count: nobody else may go before the last reservation.
    EXPECT_FALSE(limiter.try_acquire(t0 + 2s));
    EXPECT_GE(limiter.next_allowed_at(), slots.back());
    EXPECT_LE(max_in_window(slots, w), 20u);
}

TEST(ReconcileRateLimiter, EarlierNowNeverReordersDepartures) {
    RateLimiter limiter(limit(5));
    const auto late = limiter.acquire_at(t0 + 10s);
    const auto early = limiter.acquire_at(t0);
    EXPECT_GE(early, late);
}

TEST(ReconcileRateLimiter, HoldUntilPausesAndOnlyExtends) {
    RateLimiter limiter(limit(20));
    limiter.hold_until(t0 + 5s);
    limiter.hold_until(t0 + 2s);  // earlier: ignored
    EXPECT_EQ(limiter.next_allowed_at(), t0 + 5s);
    EXPECT_FALSE(limiter.try_acquire(t0 + 5s - 1us));
    EXPECT_EQ(limiter.acquire_at(t0), t0 + 5s);
}

TEST(ReconcileRateLimiter, Utilisation) {
    RateLimiter limiter(limit(20));
    const auto w = limiter.window();
    EXPECT_DOUBLE_EQ(limiter.utilisation(t0), 0.0);
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(limiter.try_acquire(t0));
    }
    EXPECT_DOUBLE_EQ(limiter.utilisation(t0), 0.5);
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(limiter.try_acquire(t0));
    }
    EXPECT_DOUBLE_EQ(limiter.utilisation(t0), 1.0);
    EXPECT_DOUBLE_EQ(limiter.utilisation(t0 + w - 1ns), 1.0);
    EXPECT_DOUBLE_EQ(limiter.utilisation(t0 + w), 0.0);

    // A reservation in the future is not counted until it leaves.
    const auto slot = limiter.acquire_at(t0 + 5s);
    EXPECT_DOUBLE_EQ(limiter.utilisation(slot - 1us), 0.0);
    EXPECT_DOUBLE_EQ(limiter.utilisation(slot), 1.0 / 20.0);

    // The clock overload asks the injected clock.
    FakeClock fake;
    RateLimiter clocked(limit(20), fake.clock());
    ASSERT_TRUE(clocked.try_acquire());
    EXPECT_EQ(clocked.now(), t0);
    EXPECT_DOUBLE_EQ(clocked.utilisation(), 1.0 / 20.0);
    fake.now += 2s;
    EXPECT_DOUBLE_EQ(clocked.utilisation(), 0.0);
    EXPECT_EQ(clocked.acquire(), t0 + 2s);

    // A greedy caller keeps it full.
    RateLimiter greedy(limit(30));
    TimePoint last{};
    for (int i = 0; i < 300; ++i) {
        last = greedy.acquire_at(t0);
    }
    EXPECT_DOUBLE_EQ(greedy.utilisation(last), 1.0);
}

TEST(ReconcileRateLimiter, RejectsBadParameters) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    EXPECT_THROW(RateLimiter(limit(0)), std::invalid_argument);
    EXPECT_THROW(RateLimiter(limit(-1)), std::invalid_argument);
    EXPECT_THROW(RateLimiter(limit(nan)), std::invalid_argument);
    EXPECT_THROW(RateLimiter(limit(inf)), std::invalid_argument);
    EXPECT_THROW(RateLimiter(limit(2e7)), std::invalid_argument);
    EXPECT_THROW(RateLimiter(limit(20, 1.0)), std::invalid_argument);
    EXPECT_THROW(RateLimiter(limit(20, -0.01)), std::invalid_argument);
    EXPECT_THROW(RateLimiter(limit(20, 0.05, -1ms)), std::invalid_argument);
    EXPECT_THROW(RateLimiter(limit(20), RateLimiter::Clock{}), std::invalid_argument);
}

// How each call's one-way delay (within [0, J]) is chosen.
enum class Delays { none, uniform, zero_or_max, max_on_even_seconds };

std::vector<TimePoint> arrivals(const std::vector<TimePoint>& departures, Delays delays,
                                Duration jitter, std::mt19937_64& rng) {
    std::vector<TimePoint> out;
    out.reserve(departures.size());
    std::uniform_int_distribution<Duration::rep> any(0, jitter.count());
    std::bernoulli_distribution coin(0.5);
    for (const auto d : departures) {
        Duration delay{};
        switch (delays) {
            case Delays::none:
                break;
            case Delays::uniform:
                delay = Duration(any(rng));
                break;
            case Delays::zero_or_max:
                delay = coin(rng) ? jitter : Duration::zero();
                break;
            case Delays::max_on_even_seconds:
                // Calls of one second late, of the next on time: the pattern
                // that folds two bursts into one window.
                delay = ((d - t0) / 1s) % 2 == 0 ? jitter : Duration::zero();
                break;
        }
        out.push_back(d + delay);
    }
    return out;
}

// A caller that mixes bursts of reservations, polling with try_acquire at
// random moments, and idle gaps, for `run` of fake time.
std::vector<TimePoint> greedy_run(RateLimiter& limiter, Duration run, std::mt19937_64& rng) {
    std::vector<TimePoint> departures;
    std::uniform_int_distribution<int> action(0, 9);
    std::uniform_int_distribution<Duration::rep> step(0, Duration(30ms).count());
    std::uniform_int_distribution<int> burst(1, 60);
    auto now = t0;
    while (now < t0 + run) {
        const int a = action(rng);
        if (a < 5) {
            for (int i = burst(rng); i > 0; --i) {
                departures.push_back(limiter.acquire_at(now));
            }
            now = std::max(now, departures.back());
        } else if (a < 9) {
            if (limiter.try_acquire(now)) {
                departures.push_back(now);
            }
            now += Duration(step(rng));
        } else {
            now += 700ms;  // idle, so that bursts restart from an empty window
        }
    }
    return departures;
}

TEST(ReconcileRateLimiter, GreedyRunsNeverExceedTheRateAtTheProvider) {
    struct Case {
        RateLimit limit;
        std::size_t provider_max;  // floor(rate): calls the provider accepts per period
        Duration period;           // the provider's window: 1 s (1 / rate below 1/s)
    };
    const std::vector<Case> cases = {
        {limit(20), 20, 1s},
        {limit(30), 30, 1s},
        {limit(10), 10, 1s},
        {limit(7.5), 7, 1s},
        {limit(1), 1, 1s},
        {limit(0.5), 1, 2s},
        {limit(100, 0.05, 10ms), 100, 1s},
        {limit(20, 0.0, 50ms), 20, 1s},
        {limit(20, 0.05, 200ms), 20, 1s},
        {limit(20, 0.10, 0ms), 20, 1s},
    };
    std::mt19937_64 rng(20250301);
    constexpr auto run = 60s;
    for (const auto& c : cases) {
        SCOPED_TRACE(
            "rate " + std::to_string(c.limit.rate) + " margin " + std::to_string(c.limit.margin) +
            " jitter " +
            std::to_string(
                std::chrono::duration_cast<std::chrono::milliseconds>(c.limit.jitter).count()) +
            "ms");
        RateLimiter limiter(c.limit);
        ASSERT_GE(limiter.tolerated_jitter(), c.limit.jitter);
        const auto departures = greedy_run(limiter, run, rng);
        ASSERT_GT(departures.size(), 10u);
        EXPECT_LE(max_in_window(departures, limiter.window()), c.provider_max);
        EXPECT_LE(max_in_window(departures, c.period), c.provider_max);
        // The margin: on average no more than rate * (1 - margin).
        const auto span = std::chrono::duration<double>(departures.back() - departures.front());
        EXPECT_LE(static_cast<double>(departures.size()),
                  c.limit.rate * (1 - c.limit.margin) * span.count() +
                      static_cast<double>(c.provider_max));
        // Delays differing by up to the configured jitter, and up to all the
        // jitter the window tolerates.
        for (const auto bound : {c.limit.jitter, limiter.tolerated_jitter()}) {
            for (const auto delays : {Delays::none, Delays::uniform, Delays::zero_or_max,
                                      Delays::max_on_even_seconds}) {
                SCOPED_TRACE("delays " + std::to_string(static_cast<int>(delays)) + " within " +
                             std::to_string(bound.count()) + "ns");
                for (int round = 0; round < 3; ++round) {
                    const auto arrived = arrivals(departures, delays, bound, rng);
                    ASSERT_LE(max_in_window(arrived, c.period), c.provider_max);
                }
            }
        }
    }
}

TEST(ReconcileRateLimiter, WithoutAnyAllowanceDelaysBreakTheLimit) {
    // The checker has teeth: with no margin and no jitter allowance, greedy
    // bursts exceed 20 in a second once arrivals are delayed by up to 50 ms;
    // with the defaults they do not.
    std::mt19937_64 rng(7);
    RateLimiter naive(limit(20, 0.0, 0ms));
    std::vector<TimePoint> departures;
    for (int i = 0; i < 20 * 10; ++i) {
        departures.push_back(naive.acquire_at(t0));
    }
    EXPECT_LE(max_in_window(departures, 1s), 20u);
    EXPECT_GT(max_in_window(arrivals(departures, Delays::max_on_even_seconds, 50ms, rng), 1s), 20u);

    RateLimiter careful(limit(20));
    departures.clear();
    for (int i = 0; i < 20 * 10; ++i) {
        departures.push_back(careful.acquire_at(t0));
    }
    EXPECT_LE(max_in_window(arrivals(departures, Delays::max_on_even_seconds, 50ms, rng), 1s), 20u);
}

TEST(ReconcileRateLimiter, GreedyCallerGetsTheSustainedRate) {
    for (const double rate : {20.0, 30.0, 10.0, 2.0}) {
        RateLimiter limiter(limit(rate));
        std::size_t calls = 0;
        while (limiter.acquire_at(t0) < t0 + 100s) {
            ++calls;
        }
        // Within one window's worth of rate * (1 - margin).
        const double expected = rate * 0.95 * 100.0;
        EXPECT_NEAR(limiter.sustained_rate(), rate * 0.95, 1e-6);
        EXPECT_GE(static_cast<double>(calls), expected - 1.0) << rate;
        EXPECT_LE(static_cast<double>(calls), expected + rate) << rate;
    }
}

}  // namespace
}  // namespace deliveryd::reconcile

namespace deliveryd::reconcile {
namespace {

RateLimit evenly(double rate) {
    RateLimit spaced = limit(rate);
    spaced.even_spacing = true;
    return spaced;
}

TEST(ReconcileRateLimiter, EvenSpacingLetsNoBurstOut) {
    FakeClock fake;
    RateLimiter limiter(evenly(20), fake.clock());
    const auto gap = limiter.window() / 20;
    EXPECT_TRUE(limiter.try_acquire(t0));
    EXPECT_FALSE(limiter.try_acquire(t0));
    EXPECT_FALSE(limiter.try_acquire(t0 + gap - 1ns));
    EXPECT_TRUE(limiter.try_acquire(t0 + gap));
    EXPECT_EQ(limiter.next_allowed_at(), t0 + 2 * gap);
    // A call a little late keeps the schedule: the next may leave on time,
    // less than a gap after it.
    EXPECT_TRUE(limiter.try_acquire(t0 + 2 * gap + gap / 4));
    EXPECT_EQ(limiter.next_allowed_at(), t0 + 3 * gap);
    // A call much later does not earn a burst: the next one is a gap after it.
    EXPECT_TRUE(limiter.try_acquire(t0 + 10s));
    EXPECT_EQ(limiter.next_allowed_at(), t0 + 10s + gap);
}

TEST(ReconcileRateLimiter, EvenSpacingLosesNoRateToLateDepartures) {
    // Every departure up to a third of a gap late, as a busy event loop
    // wakes: the long-run rate stays what the window allows.
    FakeClock fake;
    RateLimiter limiter(evenly(95), fake.clock());
    std::mt19937_64 rng(3);
    const auto gap = limiter.window() / 95;
    std::uniform_int_distribution<Duration::rep> late(0, (gap / 3).count());
    auto now = t0;
    std::size_t calls = 0;
    while (now < t0 + 60s) {
        now = std::max(now, limiter.next_allowed_at()) + Duration(late(rng));
        ASSERT_TRUE(limiter.try_acquire(now));
        ++calls;
    }
    EXPECT_GE(static_cast<double>(calls) / 60.0, 0.99 * limiter.sustained_rate());
}

TEST(ReconcileRateLimiter, EvenSpacingKeepsTheRateAndTheLimitAtTheProvider) {
    std::mt19937_64 rng(7);
    for (const double rate : {10.0, 20.0, 30.0, 7.5}) {
        SCOPED_TRACE("rate " + std::to_string(rate));
        RateLimiter spaced(evenly(rate));
        const auto departures = greedy_run(spaced, 60s, rng);
        const auto provider_max = static_cast<std::size_t>(std::floor(rate));
        EXPECT_LE(max_in_window(departures, 1s), provider_max);
        const auto gap = spaced.window() / static_cast<Duration::rep>(spaced.window_calls());
        // A gap apart, less at most the half gap a late call may catch up.
        for (std::size_t i = 1; i < departures.size(); ++i) {
            ASSERT_GE(departures[i] - departures[i - 1], gap - gap / 2) << "departure " << i;
        }
        // Greedy, it still gets L calls per W.
        EXPECT_NEAR(1.0 / std::chrono::duration<double>(gap).count(), spaced.sustained_rate(),
                    1e-6 * rate);
        for (int round = 0; round < 3; ++round) {
            const auto arrived =
                arrivals(departures, Delays::uniform, spaced.tolerated_jitter(), rng);
            ASSERT_LE(max_in_window(arrived, 1s), provider_max);
        }
    }
}

}  // namespace
}  // namespace deliveryd::reconcile

namespace deliveryd::reconcile {
namespace {

TEST(ReconcileRateLimiter, AReservationOutCountsAsLeavingNow) {
    RateLimiter limiter(limit(2));
    const auto w = limiter.window();
    const auto first = limiter.try_reserve(t0);
    ASSERT_TRUE(first);
    EXPECT_EQ(limiter.reservations_out(), 1u);
    ASSERT_TRUE(limiter.try_acquire(t0));
    // Two calls in the window: one left at t0, one is still out.
    EXPECT_EQ(limiter.next_allowed_at(), t0 + w);
    // Out for longer than a window, it still counts: one more may go beside
    // it, since the call that left at t0 is a window old.
    const auto second = limiter.try_reserve(t0 + w);
    ASSERT_TRUE(second);
    // Both out: nothing can go until one is reported, however late.
    EXPECT_EQ(limiter.next_allowed_at(), RateLimiter::TimePoint::max());
    EXPECT_FALSE(limiter.try_acquire(t0 + 10s));
    EXPECT_THROW((void)limiter.acquire_at(t0 + 10s), std::logic_error);
    EXPECT_DOUBLE_EQ(limiter.utilisation(t0 + 10s), 1.0);
    // The first left 3 s after its slot: the next call is a window after it.
    EXPECT_TRUE(limiter.departed(*first, t0 + 3s));
    EXPECT_EQ(limiter.reservations_out(), 1u);
    EXPECT_EQ(limiter.next_allowed_at(), t0 + 3s + w);
}

TEST(ReconcileRateLimiter, AReservationIsReportedOnce) {
    RateLimiter limiter(limit(1));
    const auto w = limiter.window();
    const auto call = limiter.try_reserve(t0);
    ASSERT_TRUE(call);
    // A time before the slot counts as the slot.
    EXPECT_TRUE(limiter.departed(*call, t0 - 1s));
    EXPECT_EQ(limiter.next_allowed_at(), t0 + w);
    EXPECT_FALSE(limiter.departed(*call, t0 + 5s));
    EXPECT_FALSE(limiter.settle(*call));
    EXPECT_EQ(limiter.next_allowed_at(), t0 + w);

    // Settled without a report: it counts as having left at its slot.
    const auto unreported = limiter.try_reserve(t0 + w);
    ASSERT_TRUE(unreported);
    EXPECT_TRUE(limiter.settle(*unreported));
    EXPECT_FALSE(limiter.departed(*unreported, t0 + 9s));
    EXPECT_EQ(limiter.next_allowed_at(), t0 + 2 * w);
    EXPECT_EQ(limiter.reservations_out(), 0u);
}

// Slots taken greedily as reservations whose requests leave up to `lag`
// after their slot (a stalled sender) and are reported a little later still;
// some never report and are settled when their call ends. Returns when each
// call really left.
std::vector<TimePoint> reserving_run(RateLimiter& limiter, Duration lag, std::mt19937_64& rng) {
    struct Out {
        RateLimiter::Reservation reservation;
        TimePoint left;
        TimePoint reported;
        bool silent;  // never reports; settled when reported
    };
    std::vector<Out> out;
    std::vector<TimePoint> departures;
    std::uniform_int_distribution<Duration::rep> send_lag(0, lag.count());
    std::uniform_int_distribution<Duration::rep> report_lag(0, Duration(20ms).count());
    std::uniform_int_distribution<Duration::rep> step(0, Duration(15ms).count());
    std::bernoulli_distribution stalled(0.1);
    std::bernoulli_distribution silent(0.05);
    for (auto now = t0; now < t0 + 60s; now += Duration(step(rng))) {
        std::erase_if(out, [&](const Out& o) {
            if (o.reported > now) {
                return false;
            }
            o.silent ? (void)limiter.settle(o.reservation)
                     : (void)limiter.departed(o.reservation, o.left);
            return true;
        });
        // Bounded, so that a limiter granting without end fails the checks
        // below instead of hanging.
        while (departures.size() < 100'000) {
            const auto reservation = limiter.try_reserve(now);
            if (!reservation) {
                break;
            }
            const auto left = now + (stalled(rng) ? Duration(send_lag(rng)) : Duration::zero());
            const bool quiet = silent(rng);
            // A silent call is settled at its slot: it counts as leaving then.
            departures.push_back(quiet ? now : left);
            out.push_back({*reservation, left, left + Duration(report_lag(rng)), quiet});
        }
    }
    return departures;
}

TEST(ReconcileRateLimiter, LateDeparturesNeverExceedTheRateAtTheProvider) {
    std::mt19937_64 rng(11);
    for (const bool even : {false, true}) {
        for (const double rate : {10.0, 20.0, 1.0, 0.5}) {
            for (const auto lag : {Duration(50ms), Duration(400ms), Duration(3s)}) {
                SCOPED_TRACE("rate " + std::to_string(rate) + (even ? " evenly" : "") + " lag " +
                             std::to_string(lag.count()) + "ns");
                RateLimit spec = limit(rate);
                spec.even_spacing = even;
                RateLimiter limiter(spec);
                const auto departures = reserving_run(limiter, lag, rng);
                ASSERT_GT(departures.size(), 20u);
                const auto provider_max = static_cast<std::size_t>(std::max(1.0, std::floor(rate)));
                const auto period = rate < 1 ? Duration(2s) : Duration(1s);
                EXPECT_LE(max_in_window(departures, limiter.window()), provider_max);
                for (int round = 0; round < 3; ++round) {
                    const auto arrived =
                        arrivals(departures, Delays::uniform, limiter.tolerated_jitter(), rng);
                    ASSERT_LE(max_in_window(arrived, period), provider_max);
                }
            }
        }
    }
}

TEST(ReconcileRateLimiter, SlotsTakenAtTheirGrantBreakTheLimitWhenTheSenderStalls) {
    // The checker has teeth: the same stalled sends, counted at their slots
    // (as if each call left when its turn came), put more calls in a second
    // at the provider than it allows.
    std::mt19937_64 rng(5);
    RateLimiter limiter(limit(10));
    std::uniform_int_distribution<Duration::rep> send_lag(0, Duration(400ms).count());
    std::bernoulli_distribution stalled(0.1);
    std::vector<TimePoint> departures;
    for (auto now = t0; now < t0 + 60s; now += 5ms) {
        while (limiter.try_acquire(now)) {
            departures.push_back(now + (stalled(rng) ? Duration(send_lag(rng)) : Duration::zero()));
        }
    }
    EXPECT_GT(max_in_window(departures, 1s), 10u);
}

}  // namespace
}  // namespace deliveryd::reconcile
