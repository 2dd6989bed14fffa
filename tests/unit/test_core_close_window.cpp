// close_window(): what the end of the polling window does to a row.
#include <gtest/gtest.h>

#include "deliveryd/core/merge.hpp"

namespace deliveryd::core {
namespace {

using namespace std::chrono_literals;

const Timestamp t0{std::chrono::sys_days{std::chrono::year{2025} / 3 / 1}};

State row(std::optional<int> type_id = 2) {
    State s;
    s.sms_id = "id-1";
    s.type_id = type_id;
    s.submitted_at = t0 - 1h;
    s.updated_at = t0 - 1h;
    s.poll_attempts = 3;
    s.next_poll_at = t0 + 5min;
    return s;
}

Observation report(StateLabel label, Timestamp at, Source source = Source::callback) {
    Observation o;
    o.sms_id = "id-1";
    o.state = label;
    o.observed_at = at;
    o.source = source;
    return o;
}

TEST(CoreCloseWindow, NoStatusBecomesExpired) {
    const auto s = close_window(row(), t0 + 7 * 24h);
    EXPECT_EQ(s.state, StateLabel::expired);
    EXPECT_TRUE(s.is_final);
    EXPECT_TRUE(s.window_closed);
    EXPECT_EQ(s.window_closed_at, t0 + 7 * 24h);
    EXPECT_EQ(s.final_at, t0 + 7 * 24h);
    EXPECT_EQ(s.resolved_by, Resolver::poll);
    // A report with an unknown SendStatus (label submitted) does not revive it.
    EXPECT_EQ(merge(s, report(StateLabel::submitted, t0 + 8 * 24h)).state, StateLabel::expired);
}

TEST(CoreCloseWindow, LateRealReportReplacesExpired) {
    const auto closed = close_window(row(2), t0 + 7 * 24h);
    const auto late = merge(closed, report(StateLabel::sent, t0 + 8 * 24h));
    EXPECT_EQ(late.state, StateLabel::sent);
    EXPECT_TRUE(late.is_final);
    EXPECT_EQ(late.final_at, t0 + 8 * 24h);
    EXPECT_EQ(late.resolved_by, Resolver::callback);
    EXPECT_EQ(late,
              close_window(merge(row(2), report(StateLabel::sent, t0 + 8 * 24h)), t0 + 7 * 24h));
}

TEST(CoreCloseWindow, ZnsStillSentBecomesFinalAsSent) {
    const auto sent = merge(row(25), report(StateLabel::sent, t0, Source::get_callback));
    const auto closed = close_window(sent, t0 + 7 * 24h);
    EXPECT_EQ(closed.state, StateLabel::sent);
    EXPECT_TRUE(closed.is_final);
    EXPECT_EQ(closed.final_at, t0 + 7 * 24h);
    EXPECT_EQ(closed.resolved_by, Resolver::poll);
    // Delivery learnt afterwards still counts, and resolves it.
    const auto delivered =
        merge(closed, report(StateLabel::delivered, t0 + 8 * 24h, Source::zalo_status));
    EXPECT_EQ(delivered.state, StateLabel::delivered);
    EXPECT_EQ(delivered.final_at, t0 + 8 * 24h);
    EXPECT_EQ(delivered.resolved_by, Resolver::poll);
}

TEST(CoreCloseWindow, StuckRowsKeepTheirLabelAndBecomeFinal) {
    for (const auto label :
         {StateLabel::pending_approval, StateLabel::waiting, StateLabel::sent_to_telco}) {
        const auto s = close_window(merge(row(2), report(label, t0)), t0 + 24h);
        EXPECT_EQ(s.state, label);
        EXPECT_TRUE(s.is_final);
        EXPECT_EQ(s.final_at, t0 + 24h);
        EXPECT_EQ(s.resolved_by, Resolver::poll);
    }
}

TEST(CoreCloseWindow, EarliestCloseCountsAndRepeatsAreHarmless) {
    const auto once = close_window(row(), t0 + 2h);
    EXPECT_EQ(close_window(once, t0 + 2h), once);
    EXPECT_EQ(close_window(once, t0 + 3h), once);
    EXPECT_EQ(close_window(close_window(row(), t0 + 3h), t0 + 2h), once);
}

TEST(CoreCloseWindow, FlagWithoutTimeFallsBackToFinalAt) {
    auto s = close_window(row(), t0 + 2h);
    s.window_closed_at.reset();  // a store that kept only the flag
    EXPECT_EQ(normalized(s).window_closed_at, t0 + 2h);
    EXPECT_EQ(merge(s, report(StateLabel::waiting, t0)).final_at, t0 + 2h);
}

}  // namespace
}  // namespace deliveryd::core
