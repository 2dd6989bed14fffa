// Where the search for late reports about archived messages starts: an id
// seen counts as searched only once the overlap has passed, so a report
// whose transaction committed after a higher id was seen is still searched.
#include <gtest/gtest.h>

#include "deliveryd/store/late_report_scan.hpp"

namespace deliveryd::store {
namespace {

using namespace std::chrono_literals;

const ScanClock::time_point t0{std::chrono::seconds(1'750'000'000)};

TEST(LateReportMark, AnIdSeenIsSearchedAgainUntilTheOverlapHasPassed) {
    LateReportMark mark;
    mark.checked_through = 100;
    mark = next_late_report_mark(mark, 150, t0, 600s);
    EXPECT_EQ(mark.checked_through, 100) << "ids above 100 are searched";
    EXPECT_EQ(mark.pending_id, 150);
    EXPECT_EQ(mark.pending_at, t0);

    mark = next_late_report_mark(mark, 180, t0 + 599s, 600s);
    EXPECT_EQ(mark.checked_through, 100) << "an id below 150 may still commit";
    EXPECT_EQ(mark.pending_id, 150) << "the pending id waits its whole overlap";

    mark = next_late_report_mark(mark, 200, t0 + 600s, 600s);
    EXPECT_EQ(mark.checked_through, 150);
    EXPECT_EQ(mark.pending_id, 200);
    EXPECT_EQ(mark.pending_at, t0 + 600s);
}

TEST(LateReportMark, NothingNewLeavesTheMarkAsItIs) {
    LateReportMark mark;
    mark.checked_through = 100;
    EXPECT_EQ(next_late_report_mark(mark, 100, t0, 600s), mark);
    EXPECT_EQ(next_late_report_mark(mark, 90, t0, 600s), mark) << "ids below are done";
}

TEST(LateReportMark, NeverMovesBack) {
    // Two replicas' searches interleave through the shared row.
    LateReportMark mark{.checked_through = 500, .pending_id = 400, .pending_at = t0};
    mark = next_late_report_mark(mark, 600, t0 + 700s, 600s);
    EXPECT_EQ(mark.checked_through, 500);
    EXPECT_EQ(mark.pending_id, 600);
}

}  // namespace
}  // namespace deliveryd::store
