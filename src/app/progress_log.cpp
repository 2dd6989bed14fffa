#include "app/progress_log.hpp"

#include <cmath>
#include <string_view>

#include <fmt/format.h>

namespace deliveryd::app {
namespace {

std::string_view label_of(const prometheus::ClientMetric& metric, std::string_view name) {
    for (const auto& label : metric.label) {
        if (label.name == name) {
            return label.value;
        }
    }
    return {};
}

// "a 3, b 1", the counters that grew between the two maps, in key order.
std::string grown(const std::map<std::string, double>& before,
                  const std::map<std::string, double>& now) {
    std::string out;
    for (const auto& [key, value] : now) {
        const auto it = before.find(key);
        const auto delta = std::llround(value - (it == before.end() ? 0.0 : it->second));
        if (delta > 0) {
            out += fmt::format("{}{} {}", out.empty() ? "" : ", ", key, delta);
        }
    }
    return out.empty() ? "none" : out;
}

}  // namespace

ProgressTotals read_progress_totals(const std::vector<prometheus::MetricFamily>& families) {
    ProgressTotals totals;
    for (const auto& family : families) {
        for (const auto& metric : family.metric) {
            if (family.name == "deliveryd_callbacks_total") {
                const auto result = label_of(metric, "result");
                (result == "accepted" || result == "duplicate" ? totals.callbacks_stored
                                                               : totals.callbacks_refused) +=
                    metric.counter.value;
            } else if (family.name == "deliveryd_poll_calls_total") {
                totals.calls[std::string(label_of(metric, "endpoint"))] += metric.counter.value;
            } else if (family.name == "deliveryd_state_entered_total") {
                totals.entered[std::string(label_of(metric, "state"))] += metric.counter.value;
            } else if (family.name == "deliveryd_poll_due_rows") {
                totals.due_rows += metric.gauge.value;
            }
        }
    }
    return totals;
}

std::string progress_line(const ProgressTotals& before, const ProgressTotals& now,
                          std::chrono::seconds over) {
    return fmt::format(
        "progress, last {}s: callbacks {} stored, {} refused; status calls {}; entered {}; "
        "due for polling now {}",
        over.count(), std::llround(now.callbacks_stored - before.callbacks_stored),
        std::llround(now.callbacks_refused - before.callbacks_refused),
        grown(before.calls, now.calls), grown(before.entered, now.entered),
        std::llround(now.due_rows));
}

}  // namespace deliveryd::app
