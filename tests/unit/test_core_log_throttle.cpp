// LogThrottle: one line per interval, with the count of what it held back.
#include <gtest/gtest.h>

#include "deliveryd/core/log_throttle.hpp"

namespace deliveryd::core {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottle, LetsOneThroughPerIntervalAndCountsTheRest) {
    LogThrottle throttle(60s);
    const LogThrottle::Clock::time_point t0{};
    EXPECT_EQ(throttle.admit(t0), 0u) << "the first occurrence is always logged";
    EXPECT_FALSE(throttle.admit(t0 + 1s));
    EXPECT_FALSE(throttle.admit(t0 + 59s));
    EXPECT_EQ(throttle.admit(t0 + 60s), 2u) << "logged again, standing for the two held back";
    EXPECT_FALSE(throttle.admit(t0 + 61s));
    EXPECT_EQ(throttle.admit(t0 + 10min), 1u);
}

}  // namespace
}  // namespace deliveryd::core
