// FillingCalls: ids of a many-id source (GetCallback: 200) wait for a full
// call unless the backlog is drained or they have waited long enough.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/reconcile/filling_calls.hpp"
#include "deliveryd/reconcile/status_source.hpp"

namespace deliveryd::reconcile {
namespace {

// The GetCallback key of an account.
std::vector<LimiterKey> key(const std::string& account) {
    return {LimiterKey{account, source_named("get_callback")}};
}

PlannedCall ids_for(const std::string& account, const std::string& oa, int from, int count) {
    PlannedCall call{source_named("get_callback"), account, oa, {}, {}, {}};
    for (int i = from; i < from + count; ++i) {
        call.sms_ids.push_back("id-" + std::to_string(i));
    }
    return call;
}

TEST(ReconcileFillingCalls, OnlyFullCallsLeaveWhileTheBacklogLasts) {
    FillingCalls chunks;
    chunks.add(ids_for("a", "oa1", 0, 450), 1);
    const auto ready = chunks.take_ready(key("a"), 1, false);
    ASSERT_EQ(ready.size(), 2u);
    EXPECT_EQ(ready[0].sms_ids.size(), 200u);
    EXPECT_EQ(ready[0].sms_ids.front(), "id-0");
    EXPECT_EQ(ready[1].sms_ids.front(), "id-200");
    EXPECT_EQ(ready[1].group, "oa1");
    // The 50 left join the next claim's ids, oldest first.
    chunks.add(ids_for("a", "oa1", 450, 150), 2);
    const auto next = chunks.take_ready(key("a"), 2, false);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].sms_ids.front(), "id-400");
    EXPECT_EQ(next[0].sms_ids.back(), "id-599");
}

TEST(ReconcileFillingCalls, PartialCallsLeaveWhenDrainedOrOld) {
    FillingCalls chunks;
    chunks.add(ids_for("a", "oa1", 0, 30), 5);
    EXPECT_TRUE(chunks.take_ready(key("a"), 5, false).empty());
    EXPECT_TRUE(chunks.take_ready(key("a"), 6, false).empty());
    const auto old = chunks.take_ready(key("a"), 7, false);
    ASSERT_EQ(old.size(), 1u);
    EXPECT_EQ(old[0].sms_ids.size(), 30u);

    chunks.add(ids_for("a", "oa2", 0, 7), 8);
    EXPECT_EQ(chunks.take_ready(key("a"), 8, true).size(), 1u);
    EXPECT_TRUE(chunks.take_ready(key("a"), 100, true).empty());
}

TEST(ReconcileFillingCalls, AccountsAndOasStayApartAndDropReturnsTheIds) {
    FillingCalls chunks;
    chunks.add(ids_for("a", "oa1", 0, 3), 1);
    chunks.add(ids_for("a", "oa2", 10, 2), 1);
    chunks.add(ids_for("b", "oa1", 20, 4), 1);
    const auto ready = chunks.take_ready(key("a"), 1, true);
    ASSERT_EQ(ready.size(), 2u);
    EXPECT_EQ(ready[0].group, "oa1");
    EXPECT_EQ(ready[1].group, "oa2");
    EXPECT_EQ(chunks.drop(key("b")).size(), 4u);
    EXPECT_TRUE(chunks.take_ready(key("b"), 10, true).empty());
    chunks.add(ids_for("c", "oa1", 0, 5), 1);
    EXPECT_EQ(chunks.drop_all().size(), 5u);
}

}  // namespace
}  // namespace deliveryd::reconcile
