// The minute's progress line, from metric totals (no daemon, no clock).
#include <gtest/gtest.h>

#include "app/progress_log.hpp"

namespace deliveryd::app {
namespace {

prometheus::ClientMetric counter(const std::string& label, const std::string& value, double n) {
    prometheus::ClientMetric m;
    m.label.push_back({label, value});
    m.counter.value = n;
    return m;
}

prometheus::MetricFamily family(const std::string& name,
                                std::vector<prometheus::ClientMetric> metrics) {
    prometheus::MetricFamily f;
    f.name = name;
    f.metric = std::move(metrics);
    return f;
}

TEST(ProgressLog, ReadsTheTotalsItReports) {
    prometheus::ClientMetric due;
    due.gauge.value = 7;
    const auto totals = read_progress_totals({
        family("deliveryd_callbacks_total",
               {counter("result", "accepted", 10), counter("result", "duplicate", 2),
                counter("result", "rejected", 1), counter("result", "unavailable", 3)}),
        family("deliveryd_poll_calls_total",
               {counter("endpoint", "get_callback", 4), counter("endpoint", "get_callback", 1),
                counter("endpoint", "zalo_status", 6)}),
        family("deliveryd_state_entered_total", {counter("state", "sent", 9)}),
        family("deliveryd_poll_due_rows", {due, due}),
        family("deliveryd_other_total", {counter("result", "accepted", 100)}),
    });
    EXPECT_EQ(totals.callbacks_stored, 12);
    EXPECT_EQ(totals.callbacks_refused, 4);
    EXPECT_EQ(totals.calls.at("get_callback"), 5);
    EXPECT_EQ(totals.calls.at("zalo_status"), 6);
    EXPECT_EQ(totals.entered.at("sent"), 9);
    EXPECT_EQ(totals.due_rows, 14);
}

TEST(ProgressLog, SaysWhatChangedInTheMinute) {
    ProgressTotals before;
    before.callbacks_stored = 100;
    before.calls["get_callback"] = 10;
    before.calls["zalo_status"] = 5;
    before.entered["sent"] = 50;
    ProgressTotals now = before;
    now.callbacks_stored = 220;
    now.callbacks_refused = 2;
    now.calls["get_callback"] = 40;
    now.calls["get_send_status"] = 3;
    now.entered["sent"] = 150;
    now.entered["delivered"] = 20;
    now.due_rows = 35;
    EXPECT_EQ(progress_line(before, now, std::chrono::seconds(60)),
              "progress, last 60s: callbacks 120 stored, 2 refused; status calls "
              "get_callback 30, get_send_status 3; entered delivered 20, sent 100; due for "
              "polling now 35");
    EXPECT_EQ(progress_line(now, now, std::chrono::seconds(60)),
              "progress, last 60s: callbacks 0 stored, 0 refused; status calls none; entered "
              "none; due for polling now 35");
}

}  // namespace
}  // namespace deliveryd::app
