#include "deliveryd/store/report_metrics.hpp"

#include <string>

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
    const auto via = std::string(to_string(path));
    for (const auto state : result.entered) {
        entered_.Add({{"state", std::string(core::to_string(state))}, {"via", via}}).Increment();
    }
    for (const auto& report : reports) {
        if (report.error_code) {
            errors_
                .Add({{"source", std::string(core::to_string(report.source))},
                      {"code", error_code_label(*report.error_code)}})
                .Increment();
        }
    }
}

}  // namespace deliveryd::store
