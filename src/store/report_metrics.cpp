#include "deliveryd/store/report_metrics.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "deliveryd/core/error_info.hpp"
#include "deliveryd/core/numbers.hpp"
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

std::string unknown_status_label(std::string_view value) {
    if (const auto number = core::parse_int(value)) {
        return error_code_label(*number);
    }
    constexpr std::size_t longest_word = 32;
    const bool word =
        !value.empty() && value.size() <= longest_word &&
        std::all_of(value.begin(), value.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
        });
    if (!word) {
        return "other";
    }
    std::string label(value);
    std::transform(label.begin(), label.end(), label.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return label;
}

ReportMetrics::ReportMetrics(prometheus::Registry& registry)
    : entered_(prometheus::BuildCounter()
                   .Name("deliveryd_state_entered_total")
                   .Help("Messages that entered a state, by state and by what moved them there "
                         "(callback, poll, or window: the polling window ended)")
                   .Register(registry)),
      errors_(prometheus::BuildCounter()
                  .Name("deliveryd_provider_errors_total")
                  .Help("Stored status reports that carried a provider or Zalo error code "
                        "(not the success code 0), by report source and code")
                  .Register(registry)),
      unknown_(prometheus::BuildCounter()
                   .Name("deliveryd_unknown_status_total")
                   .Help("Stored status reports holding a status value of undocumented meaning "
                         "(stored as received; the row's state did not move for it), by report "
                         "source and value")
                   .Register(registry)) {}

core::LogThrottle& ReportMetrics::unknown_log(const std::pair<core::Source, std::string>& key) {
    std::lock_guard lock(unknown_log_mutex_);
    // The labels are bounded (unknown_status_label), and so is this map; its
    // nodes never move, so the throttle stays valid once the lock is gone.
    return unknown_log_.try_emplace(key, std::chrono::minutes(1)).first->second;
}

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
    std::map<std::pair<core::Source, std::string>, std::size_t> unknown;
    for (const auto& report : reports) {
        if (report.error_code && core::is_error_code(*report.error_code)) {
            ++errors[{report.source, error_code_label(*report.error_code)}];
        }
        if (report.unknown_status) {
            ++unknown[{report.source, unknown_status_label(*report.unknown_status)}];
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
    for (const auto& [key, count] : unknown) {
        const auto source = std::string(core::to_string(key.first));
        unknown_.Add({{"source", source}, {"value", key.second}})
            .Increment(static_cast<double>(count));
        if (const auto held_back = unknown_log(key).admit(std::chrono::steady_clock::now())) {
            spdlog::warn(
                "{} reported a status of undocumented meaning ({}) for {} message(s); stored "
                "as received, the state did not move (deliveryd_unknown_status_total counts "
                "them; logged at most once a minute per value, {} batches held back since)",
                source, key.second, count, *held_back);
        }
    }
}

}  // namespace deliveryd::store
