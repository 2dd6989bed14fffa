// Sliding 1-second windows at the limit edge.
#include "rate_window.hpp"

#include <gtest/gtest.h>

namespace deliveryd::sim {
namespace {

using std::chrono::milliseconds;

const steady_time t0{std::chrono::hours(1)};

TEST(SlidingWindow, TwentyWithinOneSecondAcceptedTwentyFirstRefused) {
    sliding_window w(20);
    for (int i = 0; i < 20; ++i) {
        EXPECT_TRUE(w.arrive(t0 + milliseconds(i * 40))) << "call " << i;
    }
    EXPECT_FALSE(w.arrive(t0 + milliseconds(999)));
    EXPECT_EQ(w.refused(), 1U);
    EXPECT_EQ(w.calls(), 21U);
    EXPECT_EQ(w.max_in_window(), 21U);
}

TEST(SlidingWindow, CallJustAfterTheWindowSlidesIsAccepted) {
    sliding_window w(20);
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(w.arrive(t0));
    }
    EXPECT_FALSE(w.arrive(t0 + milliseconds(999)));
    // The 20 calls at t0 leave the window exactly one second later.
    EXPECT_TRUE(w.arrive(t0 + milliseconds(1000)));
    EXPECT_EQ(w.refused(), 1U);
}

TEST(SlidingWindow, SlidesCallByCallNotPerCalendarSecond) {
    sliding_window w(20);
    // 10 calls at t0, 10 at t0+500ms: full.
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(w.arrive(t0));
    }
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(w.arrive(t0 + milliseconds(500)));
    }
    // A fixed 1 s bucket starting at t0+1000 would accept 20 here; the sliding
    // window still holds the 10 calls from t0+500.
    int accepted = 0;
    for (int i = 0; i < 20; ++i) {
        accepted += w.arrive(t0 + milliseconds(1000)) ? 1 : 0;
    }
    EXPECT_EQ(accepted, 10);
    EXPECT_TRUE(w.arrive(t0 + milliseconds(1500)));
}

TEST(SlidingWindow, RefusedCallsDoNotUseUpTheWindow) {
    sliding_window w(2);
    EXPECT_TRUE(w.arrive(t0));
    EXPECT_TRUE(w.arrive(t0 + milliseconds(100)));
    for (int i = 0; i < 50; ++i) {
        EXPECT_FALSE(w.arrive(t0 + milliseconds(200 + i)));
    }
    EXPECT_TRUE(w.arrive(t0 + milliseconds(1000)));
    EXPECT_EQ(w.refused(), 50U);
}

TEST(SlidingWindow, MaxInWindowCountsEveryArrival) {
    sliding_window w(0);  // unlimited
    for (int i = 0; i < 35; ++i) {
        EXPECT_TRUE(w.arrive(t0 + milliseconds(i * 10)));
    }
    EXPECT_EQ(w.max_in_window(), 35U);
    EXPECT_TRUE(w.arrive(t0 + milliseconds(5000)));
    EXPECT_EQ(w.max_in_window(), 35U);
    EXPECT_EQ(w.refused(), 0U);
}

TEST(SlidingWindow, AnArrivalReadLateIsCountedInItsPlace) {
    sliding_window w(10);
    for (int i = 1; i <= 9; ++i) {
        ASSERT_TRUE(w.arrive(t0 + milliseconds(i * 100)));
    }
    EXPECT_EQ(w.max_in_window(), 9U);
    // Read after the others, it arrived before them: ten in (t0 - 1 ms, t0 + 999 ms].
    EXPECT_TRUE(w.arrive(t0));
    EXPECT_EQ(w.max_in_window(), 10U);
    // One more inside that second, read last, is the eleventh: refused.
    EXPECT_FALSE(w.arrive(t0 + milliseconds(950)));
    EXPECT_EQ(w.max_in_window(), 11U);
    // An arrival older than a window before every other one is alone in its
    // windows, and is not refused for calls that came after it.
    sliding_window fresh(1);
    ASSERT_TRUE(fresh.arrive(t0 + milliseconds(1500)));
    EXPECT_TRUE(fresh.arrive(t0));
    EXPECT_EQ(fresh.max_in_window(), 1U);
}

TEST(RateLimiter, KeysAndEndpointsAreCountedSeparately) {
    rate_limiter limiter(rate_limits{});
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(limiter.arrive(endpoint::get_callback, "a", t0));
    }
    EXPECT_FALSE(limiter.arrive(endpoint::get_callback, "a", t0));
    EXPECT_TRUE(limiter.arrive(endpoint::get_callback, "b", t0));
    for (int i = 0; i < 30; ++i) {
        ASSERT_TRUE(limiter.arrive(endpoint::zalo_status, "a", t0));
    }
    EXPECT_FALSE(limiter.arrive(endpoint::zalo_status, "a", t0));
    EXPECT_EQ(limiter.violations(), 2U);
}

TEST(RateLimiter, AnotherCallerWithinASecondOnAnyEndpointIsAnOverlap) {
    rate_limiter limiter(rate_limits{});
    const auto r1 = "deliveryd/0.1.0 (pod-1/7)";
    const auto r2 = "deliveryd/0.1.0 (pod-2/7)";
    EXPECT_TRUE(limiter.arrive(endpoint::get_callback, "a", t0, r1));
    EXPECT_TRUE(limiter.arrive(endpoint::get_send_status, "a", t0 + milliseconds(10), r1));
    EXPECT_TRUE(limiter.arrive(endpoint::get_send_status, "b", t0 + milliseconds(20), r2))
        << "another key";
    EXPECT_EQ(limiter.overlaps(), 0U);
    EXPECT_TRUE(limiter.arrive(endpoint::zalo_status, "a", t0 + milliseconds(900), r2));
    EXPECT_EQ(limiter.overlaps(), 1U);
    // A handover a full window after the last call is no overlap.
    EXPECT_TRUE(limiter.arrive(endpoint::zalo_status, "a", t0 + milliseconds(1900), r1));
    EXPECT_EQ(limiter.overlaps(), 1U);
    limiter.reset();
    EXPECT_EQ(limiter.overlaps(), 0U);
}

}  // namespace
}  // namespace deliveryd::sim
