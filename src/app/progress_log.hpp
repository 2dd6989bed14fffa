// A line at info level every minute saying what the daemon did in it, so that
// a terminal or `kubectl logs` shows at a glance that deliveryd is alive and
// working: callbacks stored and refused, status calls per endpoint, messages
// entering each state, and the rows due for polling now. Read from the
// metrics the daemon already keeps; the line is built by a pure function.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

namespace deliveryd::app {

// Running totals, as the metrics hold them at one moment.
struct ProgressTotals {
    double callbacks_stored = 0;            // deliveryd_callbacks_total accepted + duplicate
    double callbacks_refused = 0;           // rejected + unavailable
    std::map<std::string, double> calls;    // deliveryd_poll_calls_total by endpoint
    std::map<std::string, double> entered;  // deliveryd_state_entered_total by state
    double due_rows = 0;                    // deliveryd_poll_due_rows, summed (a gauge)
};

[[nodiscard]] ProgressTotals read_progress_totals(
    const std::vector<prometheus::MetricFamily>& families);

// "progress, last 60s: callbacks 120 stored, 0 refused; status calls
// get_callback 30, zalo_status 12; entered sent 100, delivered 20; due for
// polling now 35". Counters as the difference between the two moments;
// endpoints and states that did nothing are left out.
[[nodiscard]] std::string progress_line(const ProgressTotals& before, const ProgressTotals& now,
                                        std::chrono::seconds over);

}  // namespace deliveryd::app
