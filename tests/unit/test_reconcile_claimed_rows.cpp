// The scheduler's claimed rows: in once, out once.
#include <gtest/gtest.h>

#include "reconcile/claimed_rows.hpp"

namespace deliveryd::reconcile {
namespace {

core::State row(const std::string& id, int attempts) {
    core::State s;
    s.sms_id = id;
    s.poll_attempts = attempts;
    s.submitted_at = core::Timestamp(std::chrono::seconds(1'790'000'000));
    return s;
}

TEST(ClaimedRows, ARowIsHeldOnceAndLeavesOnce) {
    ClaimedRows claimed;
    EXPECT_TRUE(claimed.admit(row("a", 2)));
    EXPECT_FALSE(claimed.admit(row("a", 5))) << "a row claimed again while held stays as it was";
    ASSERT_TRUE(claimed.find("a").has_value());
    EXPECT_EQ(claimed.find("a")->poll_attempts, 2);
    EXPECT_EQ(claimed.size(), 1U);

    const auto taken = claimed.take("a");
    ASSERT_TRUE(taken.has_value());
    EXPECT_EQ(taken->poll_attempts, 2);
    EXPECT_FALSE(claimed.take("a").has_value());
    EXPECT_FALSE(claimed.find("a").has_value());
    EXPECT_EQ(claimed.size(), 0U);
}

TEST(ClaimedRows, TakeAllIgnoresRowsNotHeld) {
    ClaimedRows claimed;
    (void)claimed.admit(row("a", 0));
    (void)claimed.admit(row("b", 0));
    const std::vector<std::string> ids{"a", "x"};
    claimed.take_all(ids);
    EXPECT_FALSE(claimed.find("a").has_value());
    EXPECT_TRUE(claimed.find("b").has_value());
    EXPECT_EQ(claimed.size(), 1U);
}

}  // namespace
}  // namespace deliveryd::reconcile
