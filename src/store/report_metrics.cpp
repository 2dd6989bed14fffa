#include "deliveryd/store/report_metrics.hpp"

#include <map>
#include <string>
#include <utility>

#include "deliveryd/core/status.hpp"

namespace deliveryd::store {
namespace {

std::string_view to_string(ReportPath path) {
    switch (path) {
        case ReportPath::callback:
            return "callback";
        case ReportPath::poll:
            return "poll";
        case ReportPath::window:
            return "window";
    }
    return "unknown";
}

}  // namespace

std::string error_code_label(int code) {
    // Provider result codes and Zalo error codes are small numbers (eSMS's
    // three digits, Zalo's down to about -200); without a callback token
    // anyone can send a code, so the range bounds the series they can make.
    constexpr int lowest = -1'000;
    constexpr int highest = 1'000;
    return code < lowest || code > highest ? "other" : std::to_string(code);
}

ReportMetrics::ReportMetrics(prometheus::Registry& registry)
    : entered_(prometheus::BuildCounter()
                   .Name("deliveryd_state_entered_total")
                   .Help("Messages that entered a state, by state and by what moved them there "
                         "(callback, poll, or window: the polling window ended)")
                   .Register(registry)),
      errors_(prometheus::BuildCounter()
                  .Name("deliveryd_provider_errors_total")
                  .Help("Stored status reports that carried a provider or Zalo error code, by "
                        "report source and code")
                  .Register(registry)) {}

void ReportMetrics::applied(std::span<const core::Observation> reports, const ApplyResult& result,
                            ReportPath path) {
    // Counted per batch first: looking a series up costs far more than
    // adding to it, and a batch of a thousand callbacks has a handful of
    // distinct series.
    std::map<core::StateLabel, std::size_t> entered;
    for (const auto state : result.entered) {
        ++entered[state];
    }
    std::map<std::pair<core::Source, std::string>, std::size_t> errors;
    for (const auto& report : reports) {
        if (report.error_code) {
            ++errors[{report.source, error_code_label(*report.error_code)}];
        }
    }
    const auto via = std::string(to_string(path));
    for (const auto& [state, count] : entered) {
        entered_.Add({{"state", std::string(core::to_string(state))}, {"via", via}})
            .Increment(static_cast<double>(count));
    }
    for (const auto& [key, count] : errors) {
        errors_.Add({{"source", std::string(core::to_string(key.first))}, {"code", key.second}})
            .Increment(static_cast<double>(count));
    }
}

}  // namespace deliveryd::store
