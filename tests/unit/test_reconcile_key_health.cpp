// KeyHealth: what each verdict of a status call does to its (account,
// endpoint): failures in a row, pauses, the credentials gauge, and which
// failures reach the log.
#include <gtest/gtest.h>

#include "deliveryd/reconcile/key_health.hpp"

namespace deliveryd::reconcile {
namespace {

using namespace std::chrono_literals;
using Log = KeyHealth::Log;
const KeyHealth::Clock::time_point t0{};

TEST(KeyHealth, AnswersNeitherPauseNorLog) {
    KeyHealth health;
    for (const auto verdict : {CallVerdict::answered, CallVerdict::rejected}) {
        const auto step = health.record(verdict, t0);
        EXPECT_FALSE(step.hold_until);
        EXPECT_FALSE(step.credentials_failing);
        EXPECT_EQ(step.log, Log::none);
        EXPECT_EQ(health.consecutive_failures(), 0);
    }
}

TEST(KeyHealth, FailuresCountInARowAndLogTheFirstThenOnceAMinute) {
    KeyHealth health;
    auto step = health.record(CallVerdict::retry, t0);
    EXPECT_EQ(step.log, Log::failure) << "the first failure of a streak shows when it starts";
    EXPECT_EQ(step.failures, 1);
    EXPECT_FALSE(step.hold_until) << "a plain failure backs the rows off, not the key";

    EXPECT_EQ(health.record(CallVerdict::retry, t0 + 1s).log, Log::none);
    EXPECT_EQ(health.record(CallVerdict::retry, t0 + 59s).log, Log::none);
    step = health.record(CallVerdict::retry, t0 + 60s);
    EXPECT_EQ(step.log, Log::failure);
    EXPECT_EQ(step.failures, 4);
    EXPECT_EQ(health.consecutive_failures(), 4);

    step = health.record(CallVerdict::answered, t0 + 61s);
    EXPECT_EQ(step.log, Log::recovered);
    EXPECT_EQ(step.failures, 4) << "the recovery says how many calls failed";
    EXPECT_EQ(health.consecutive_failures(), 0);

    step = health.record(CallVerdict::retry, t0 + 62s);
    EXPECT_EQ(step.log, Log::failure) << "a new streak is logged at once, however soon";
    EXPECT_EQ(step.failures, 1);
}

TEST(KeyHealth, TpsRefusalPausesTheKeyASecond) {
    KeyHealth health;
    const auto step = health.record(CallVerdict::tps_exceeded, t0 + 5s);
    ASSERT_TRUE(step.hold_until);
    EXPECT_EQ(*step.hold_until, t0 + 6s);
    EXPECT_EQ(step.log, Log::failure);
    EXPECT_EQ(health.consecutive_failures(), 1);
}

TEST(KeyHealth, RefusedCredentialsPauseAMinuteRaiseTheGaugeOnceAndLogOnceAMinute) {
    KeyHealth health;
    auto step = health.record(CallVerdict::credentials, t0);
    ASSERT_TRUE(step.hold_until);
    EXPECT_EQ(*step.hold_until, t0 + 1min);
    EXPECT_EQ(step.credentials_failing, std::optional(true));
    EXPECT_EQ(step.log, Log::credentials);

    step = health.record(CallVerdict::credentials, t0 + 30s);
    EXPECT_FALSE(step.credentials_failing) << "the gauge is set when it changes only";
    EXPECT_EQ(step.log, Log::none);
    EXPECT_EQ(health.record(CallVerdict::credentials, t0 + 90s).log, Log::credentials);

    step = health.record(CallVerdict::answered, t0 + 120s);
    EXPECT_EQ(step.credentials_failing, std::optional(false));
    EXPECT_EQ(step.log, Log::recovered);
    EXPECT_EQ(step.failures, 3);
}

TEST(KeyHealth, AStreakMixingFailuresAndRefusedCredentialsSharesOneCountAndOneLogMinute) {
    KeyHealth health;
    EXPECT_EQ(health.record(CallVerdict::retry, t0).log, Log::failure);
    auto step = health.record(CallVerdict::credentials, t0 + 10s);
    EXPECT_EQ(step.log, Log::none) << "within the streak's minute";
    EXPECT_EQ(step.credentials_failing, std::optional(true)) << "the gauge does not wait for it";
    EXPECT_EQ(step.failures, 2);
    step = health.record(CallVerdict::tps_exceeded, t0 + 61s);
    EXPECT_EQ(step.log, Log::failure);
    EXPECT_EQ(step.failures, 3);
    step = health.record(CallVerdict::rejected, t0 + 62s);
    EXPECT_EQ(step.log, Log::recovered) << "a refusal of the rows is an answer";
    EXPECT_EQ(step.credentials_failing, std::optional(false));
    EXPECT_EQ(step.failures, 3);
}

}  // namespace
}  // namespace deliveryd::reconcile
