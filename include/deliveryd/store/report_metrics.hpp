// What applied status reports did, for dashboards: how many messages entered
// each state, which provider error codes the reports carried, and which
// status values of unknown meaning they held, whichever way the reports came
// (callback, poll answer, or a polling window closing). An unknown status
// value is also logged, at most once a minute per source and value.
//
// Thread-safe (prometheus-cpp metrics are; the log throttle has a mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include "deliveryd/core/log_throttle.hpp"
#include "deliveryd/core/observation.hpp"
#include "deliveryd/store/status_store.hpp"

namespace deliveryd::store {

enum class ReportPath : std::uint8_t { callback, poll, window };

class ReportMetrics {
  public:
    explicit ReportMetrics(prometheus::Registry& registry);

    // A committed batch: `reports` as given to StatusStore::apply (empty for
    // close_windows) and what applying them did.
    void applied(std::span<const core::Observation> reports, const ApplyResult& result,
                 ReportPath path);

  private:
    // The log throttle of an unknown status, by its labels.
    core::LogThrottle& unknown_log(const std::pair<core::Source, std::string>& key);

    prometheus::Family<prometheus::Counter>& entered_;
    prometheus::Family<prometheus::Counter>& errors_;
    prometheus::Family<prometheus::Counter>& unknown_;
    std::mutex unknown_log_mutex_;
    std::map<std::pair<core::Source, std::string>, core::LogThrottle> unknown_log_;
};

// The `code` label of an error code: the number, or "other" outside the range
// providers use, so that a hostile or broken report cannot make an unbounded
// number of series.
[[nodiscard]] std::string error_code_label(int code);

// The `value` label of an unknown status: an integer in the same range as
// error codes, or a short lower-case word; "other" for anything else.
[[nodiscard]] std::string unknown_status_label(std::string_view value);

}  // namespace deliveryd::store
