// KeyHealth: what each verdict of a status call does to its (account,
// endpoint): failures in a row, pauses, probes, the credentials gauge, which
// failures reach the log, and when eSMS 101 about one message is taken to be
// about the account's keys.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/reconcile/key_health.hpp"
#include "deliveryd/reconcile/status_source.hpp"

namespace deliveryd::reconcile {
namespace {

using namespace std::chrono_literals;
using Log = KeyHealth::Log;
const KeyHealth::Clock::time_point t0{};
constexpr auto refused_101 = CallVerdict::credentials_or_unknown_id;

// A GetSendStatus call about one message.
PlannedCall call(std::string sms_id) {
    return PlannedCall{source_named("send_status"), "default", "", "", {std::move(sms_id)}, {}};
}

std::vector<std::string> ids(std::initializer_list<const char*> list) {
    return {list.begin(), list.end()};
}

// Takes the key to "credentials failing" with enough different ids answering
// 101 in a row, and the check, if one is made, answering 101 too.
void refuse_distinct_ids(KeyHealth& health, KeyHealth::Clock::time_point at) {
    for (std::size_t i = 0; i < KeyHealth::credentials_evidence; ++i) {
        (void)health.record(refused_101, at, call("refused-" + std::to_string(i)));
    }
    if (const auto* check = health.check_call()) {
        (void)health.record(refused_101, at, *check);
    }
    ASSERT_TRUE(health.credentials_failing());
}

TEST(KeyHealth, AnswersNeitherPauseNorLog) {
    KeyHealth health;
    for (const auto verdict : {CallVerdict::answered, CallVerdict::rejected}) {
        const auto step = health.record(verdict, t0);
        EXPECT_TRUE(step.answered);
        EXPECT_FALSE(step.hold_until);
        EXPECT_FALSE(step.credentials_failing);
        EXPECT_EQ(step.log, Log::none);
        EXPECT_EQ(health.consecutive_failures(), 0);
        EXPECT_FALSE(health.next_probe_at());
    }
}

TEST(KeyHealth, FailuresCountInARowAndLogTheFirstThenOnceAMinute) {
    KeyHealth health;
    auto step = health.record(CallVerdict::retry, t0);
    EXPECT_EQ(step.log, Log::failure) << "the first failure of a streak shows when it starts";
    EXPECT_EQ(step.failures, 1);
    EXPECT_FALSE(step.answered) << "the rows are retried";
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
    EXPECT_FALSE(health.next_probe_at());
}

TEST(KeyHealth, RefusedCredentialsRaiseTheGaugeOnceProbeOnceAMinuteAndLogOnceAMinute) {
    KeyHealth health;
    auto step = health.record(CallVerdict::credentials, t0);
    EXPECT_FALSE(step.answered);
    EXPECT_FALSE(step.hold_until) << "probing, not the limiter, spaces the calls";
    EXPECT_EQ(health.next_probe_at(), t0 + 1min);
    EXPECT_EQ(step.credentials_failing, std::optional(true));
    EXPECT_EQ(step.log, Log::credentials);
    EXPECT_EQ(step.evidence, 0U);

    step = health.record(CallVerdict::credentials, t0 + 30s);
    EXPECT_FALSE(step.credentials_failing) << "the gauge is set when it changes only";
    EXPECT_EQ(step.log, Log::none);
    EXPECT_EQ(health.next_probe_at(), t0 + 90s) << "the next probe a minute after the last";
    EXPECT_EQ(health.record(CallVerdict::credentials, t0 + 90s).log, Log::credentials);

    step = health.record(CallVerdict::answered, t0 + 150s);
    EXPECT_EQ(step.credentials_failing, std::optional(false));
    EXPECT_EQ(step.log, Log::recovered);
    EXPECT_EQ(step.failures, 3);
    EXPECT_FALSE(health.next_probe_at()) << "back to full speed";
}

TEST(KeyHealth, AProbeThatGetsNoAnswerIsRepeatedAMinuteLater) {
    KeyHealth health;
    (void)health.record(CallVerdict::credentials, t0);
    auto step = health.record(CallVerdict::retry, t0 + 61s);
    EXPECT_FALSE(step.credentials_failing) << "a timeout says nothing about the keys";
    EXPECT_TRUE(health.credentials_failing());
    EXPECT_EQ(health.next_probe_at(), t0 + 121s);
    step = health.record(CallVerdict::tps_exceeded, t0 + 122s);
    EXPECT_EQ(health.next_probe_at(), t0 + 182s);
    EXPECT_TRUE(health.credentials_failing());
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

// ---- eSMS 101 about one message ---------------------------------------------

TEST(KeyHealth, One101AmongAnswersBacksOffThatMessageOnly) {
    KeyHealth health;
    (void)health.record(CallVerdict::answered, t0, call("a"));
    auto step = health.record(refused_101, t0 + 100ms, call("unknown"));
    EXPECT_TRUE(step.answered) << "the message backs off on its own schedule";
    EXPECT_FALSE(step.hold_until) << "the key is not paused";
    EXPECT_FALSE(step.credentials_failing) << "the gauge stays down";
    EXPECT_EQ(step.log, Log::none);
    EXPECT_EQ(step.failures, 0);
    EXPECT_EQ(step.evidence, 1U);
    EXPECT_FALSE(health.credentials_failing());
    EXPECT_FALSE(health.next_probe_at()) << "the next call leaves at full speed";
    EXPECT_EQ(health.check_call(), nullptr);
    EXPECT_EQ(health.consecutive_failures(), 0) << "other rows' retries are not slowed";

    step = health.record(CallVerdict::answered, t0 + 200ms, call("b"));
    EXPECT_EQ(step.log, Log::none) << "nothing failed: nothing to recover from";
    EXPECT_FALSE(step.credentials_failing);
}

TEST(KeyHealth, DistinctIdsAnswering101InARowRaiseCredentialsFailingAndSwitchToProbing) {
    static_assert(KeyHealth::credentials_evidence == 3);
    KeyHealth health;  // no answer yet to check the keys against
    auto step = health.record(refused_101, t0 + 1s, call("x-1"));
    EXPECT_TRUE(step.answered);
    step = health.record(refused_101, t0 + 2s, call("x-2"));
    EXPECT_TRUE(step.answered);
    EXPECT_EQ(step.evidence, 2U);
    EXPECT_FALSE(health.credentials_failing());

    step = health.record(refused_101, t0 + 3s, call("x-3"));
    EXPECT_FALSE(step.answered) << "now the keys: the row is retried, its schedule untouched";
    EXPECT_EQ(step.credentials_failing, std::optional(true));
    EXPECT_EQ(step.log, Log::credentials);
    EXPECT_EQ(step.evidence, 3U);
    EXPECT_EQ(step.failures, 1);
    EXPECT_FALSE(step.hold_until) << "probing, not the limiter, spaces the calls";
    EXPECT_EQ(health.next_probe_at(), t0 + 63s) << "one probe a minute";
    EXPECT_EQ(health.check_call(), nullptr) << "probes come from the queue";

    // The probe a minute later is refused too: another minute.
    step = health.record(refused_101, t0 + 63s, call("x-4"));
    EXPECT_FALSE(step.answered);
    EXPECT_FALSE(step.credentials_failing) << "still failing: unchanged";
    EXPECT_EQ(health.next_probe_at(), t0 + 123s);
    EXPECT_EQ(health.consecutive_failures(), 2);
}

TEST(KeyHealth, AfterAnEarlierAnswerTheKeysAreCheckedAgainstItFirst) {
    KeyHealth health;
    (void)health.record(CallVerdict::answered, t0, call("a"));
    (void)health.record(refused_101, t0 + 1s, call("x-1"));
    (void)health.record(refused_101, t0 + 2s, call("x-2"));
    auto step = health.record(refused_101, t0 + 3s, call("x-3"));
    EXPECT_EQ(step.log, Log::checking);
    EXPECT_EQ(step.evidence, 3U);
    EXPECT_FALSE(step.answered) << "undecided: the row is retried, its schedule untouched";
    EXPECT_FALSE(step.credentials_failing) << "not before the check says so";
    EXPECT_FALSE(health.credentials_failing());
    EXPECT_EQ(health.next_probe_at(), t0 + 3s) << "the check goes at once, alone";
    ASSERT_NE(health.check_call(), nullptr);
    EXPECT_EQ(*health.check_call(), call("a")) << "the call last answered, made again";

    // The provider refuses a message it answered about a moment ago: the keys.
    step = health.record(refused_101, t0 + 3100ms, call("a"));
    EXPECT_EQ(step.credentials_failing, std::optional(true));
    EXPECT_EQ(step.log, Log::credentials);
    EXPECT_EQ(step.evidence, 4U);
    EXPECT_EQ(health.next_probe_at(), t0 + 3100ms + 1min) << "then one probe a minute";
    EXPECT_EQ(health.check_call(), nullptr);
}

TEST(KeyHealth, AnAnsweredCheckShowsThe101sWereAboutTheirMessages) {
    KeyHealth health;
    (void)health.record(CallVerdict::answered, t0, call("a"));
    for (const char* id : {"x-1", "x-2", "x-3"}) {
        (void)health.record(refused_101, t0 + 1s, call(id));
    }
    ASSERT_NE(health.check_call(), nullptr);
    auto step = health.record(CallVerdict::answered, t0 + 2s, *health.check_call());
    EXPECT_EQ(step.log, Log::checked);
    EXPECT_EQ(step.evidence, 3U);
    EXPECT_FALSE(step.credentials_failing) << "the gauge never went up";
    EXPECT_FALSE(health.next_probe_at()) << "full speed again";
    EXPECT_EQ(health.check_call(), nullptr);

    // Those ids are now known not to count: their next 101s are theirs.
    for (const char* id : {"x-1", "x-2", "x-3"}) {
        step = health.record(refused_101, t0 + 10s, call(id));
        EXPECT_TRUE(step.answered) << id;
        EXPECT_EQ(step.evidence, 0U) << id;
    }
    EXPECT_FALSE(health.credentials_failing());
}

TEST(KeyHealth, WhileCheckingOther101sWaitForTheCheck) {
    KeyHealth health;
    (void)health.record(CallVerdict::answered, t0, call("a"));
    for (const char* id : {"x-1", "x-2", "x-3"}) {
        (void)health.record(refused_101, t0 + 1s, call(id));
    }
    // A call that left before the check: more evidence, no verdict.
    auto step = health.record(refused_101, t0 + 1100ms, call("x-4"));
    EXPECT_FALSE(step.answered);
    EXPECT_FALSE(step.credentials_failing);
    EXPECT_EQ(step.evidence, 4U);
    EXPECT_NE(health.check_call(), nullptr);

    // The check timed out: it is made again at once.
    step = health.record(CallVerdict::retry, t0 + 6s, call("a"));
    EXPECT_FALSE(step.credentials_failing);
    EXPECT_NE(health.check_call(), nullptr);
    ASSERT_TRUE(health.next_probe_at());
    EXPECT_LE(*health.next_probe_at(), t0 + 6s);
}

TEST(KeyHealth, AnAnswerClearsCredentialsFailing) {
    KeyHealth health;
    refuse_distinct_ids(health, t0);
    const auto step = health.record(CallVerdict::answered, t0 + 60s, call("known"));
    EXPECT_TRUE(step.answered);
    EXPECT_EQ(step.credentials_failing, std::optional(false));
    EXPECT_EQ(step.log, Log::recovered);
    EXPECT_FALSE(health.next_probe_at());
    EXPECT_FALSE(health.credentials_failing());

    // Later 101s start a new count.
    EXPECT_EQ(health.record(refused_101, t0 + 61s, call("y-1")).evidence, 1U);
    EXPECT_FALSE(health.credentials_failing());
}

TEST(KeyHealth, AnAnswerBreaksTheStreak) {
    KeyHealth health;
    (void)health.record(refused_101, t0, call("x-1"));
    (void)health.record(refused_101, t0 + 1s, call("x-2"));
    (void)health.record(CallVerdict::answered, t0 + 2s, call("a"));
    auto step = health.record(refused_101, t0 + 3s, call("x-3"));
    EXPECT_TRUE(step.answered);
    EXPECT_EQ(step.evidence, 1U) << "counting starts again";
    step = health.record(refused_101, t0 + 4s, call("x-4"));
    EXPECT_EQ(step.evidence, 2U);
    EXPECT_FALSE(health.credentials_failing());
}

TEST(KeyHealth, TheSameIdAnswering101AgainIsNoNewEvidence) {
    KeyHealth health;
    for (int i = 0; i < 10; ++i) {
        const auto step = health.record(refused_101, t0 + std::chrono::seconds(i), call("unknown"));
        EXPECT_TRUE(step.answered) << i;
        EXPECT_FALSE(step.credentials_failing) << i;
        EXPECT_EQ(step.evidence, 1U) << i;
    }
    (void)health.record(refused_101, t0 + 20s, call("x-2"));
    const auto step = health.record(refused_101, t0 + 21s, call("unknown"));
    EXPECT_EQ(step.evidence, 2U) << "two different ids, whatever the repeats";
    EXPECT_FALSE(health.credentials_failing());
    EXPECT_FALSE(health.next_probe_at());
}

TEST(KeyHealth, FailuresWithoutAnAnswerDoNotBreakTheStreak) {
    // A timeout or a TPS refusal says nothing about the keys either way.
    KeyHealth health;
    (void)health.record(refused_101, t0, call("x-1"));
    (void)health.record(CallVerdict::retry, t0 + 1s);
    (void)health.record(refused_101, t0 + 2s, call("x-2"));
    (void)health.record(CallVerdict::tps_exceeded, t0 + 3s);
    const auto step = health.record(refused_101, t0 + 4s, call("x-3"));
    EXPECT_EQ(step.credentials_failing, std::optional(true));
}

TEST(KeyHealth, AnIdWhose101WasFollowedByAnAnswerIsNoEvidenceLater) {
    // Ids eSMS does not know come due again and again: once the keys worked
    // after their 101, their next 101s are about them, not the keys.
    KeyHealth health;
    (void)health.record(refused_101, t0, call("u-1"));
    (void)health.record(refused_101, t0 + 1s, call("u-2"));
    (void)health.record(CallVerdict::answered, t0 + 2s, call("a"));
    for (int round = 0; round < 5; ++round) {
        const auto at = t0 + std::chrono::seconds(10 * (round + 1));
        for (const char* id : {"u-1", "u-2"}) {
            const auto step = health.record(refused_101, at, call(id));
            EXPECT_TRUE(step.answered) << id;
            EXPECT_EQ(step.evidence, 0U) << id;
        }
        (void)health.record(refused_101, at + 1s, call("u-3"));
    }
    EXPECT_FALSE(health.credentials_failing()) << "u-1, u-2 and u-3 in a row, but two explained";
    EXPECT_FALSE(health.next_probe_at());

    // Wrong keys are still found by the messages that do not explain
    // themselves (and the check).
    (void)health.record(refused_101, t0 + 100s, call("k-1"));
    EXPECT_EQ(health.record(refused_101, t0 + 101s, call("k-2")).log, Log::checking);
    EXPECT_EQ(health.record(refused_101, t0 + 102s, call("a")).credentials_failing,
              std::optional(true));
}

TEST(KeyHealth, AnIdAnsweredAgainCountsAsEvidenceAgain) {
    KeyHealth health;
    (void)health.record(refused_101, t0, call("late"));
    (void)health.record(CallVerdict::answered, t0 + 1s, call("a"));
    EXPECT_EQ(health.record(refused_101, t0 + 2s, call("late")).evidence, 0U);
    (void)health.record(CallVerdict::answered, t0 + 3s, call("late"));  // eSMS knows it now
    EXPECT_EQ(health.record(refused_101, t0 + 4s, call("late")).evidence, 1U);
}

TEST(KeyHealth, ProbesPreferIdsThatCanShowTheKeysWork) {
    KeyHealth health;
    (void)health.record(refused_101, t0, call("explained"));
    (void)health.record(CallVerdict::answered, t0 + 1s, call("a"));
    refuse_distinct_ids(health, t0 + 2s);
    EXPECT_FALSE(health.worth_probing(ids({"explained"})));
    EXPECT_FALSE(health.worth_probing(ids({"refused-0"}))) << "in the streak";
    EXPECT_TRUE(health.worth_probing(ids({"fresh"})));
    EXPECT_TRUE(health.worth_probing(ids({"refused-0", "explained"}))) << "a GetCallback";
}

TEST(KeyHealth, A101WithoutOneIdIsTheKeys) {
    KeyHealth health;
    const auto step = health.record(refused_101, t0);
    EXPECT_EQ(step.credentials_failing, std::optional(true));
    EXPECT_FALSE(step.answered);
}

TEST(KeyHealth, OnlyAnAnswerAboutOneMessageIsWorthCheckingAgainst) {
    KeyHealth health;
    (void)health.record(
        CallVerdict::answered, t0,
        PlannedCall{source_named("get_callback"), "default", "oa", "", ids({"g", "h"}), {}});
    (void)health.record(CallVerdict::rejected, t0, call("r"));
    for (const char* id : {"x-1", "x-2", "x-3"}) {
        (void)health.record(refused_101, t0 + 1s, call(id));
    }
    EXPECT_TRUE(health.credentials_failing()) << "nothing to check against";
}

TEST(KeyHealth, RememberedUnknownIdsAreBounded) {
    KeyHealth health;
    const auto unknown_count = KeyHealth::remembered_unknown_ids + 1;
    for (std::size_t i = 0; i < unknown_count; ++i) {
        const auto id = "u-" + std::to_string(i);
        (void)health.record(refused_101, t0, call(id));
        (void)health.record(CallVerdict::answered, t0, call("a"));
    }
    EXPECT_TRUE(health.worth_probing(ids({"u-0"}))) << "the oldest is forgotten";
    EXPECT_FALSE(health.worth_probing(ids({"u-1"})));
    EXPECT_FALSE(health.worth_probing(std::vector{"u-" + std::to_string(unknown_count - 1)}));
}

}  // namespace
}  // namespace deliveryd::reconcile
