// What applied status reports did, for dashboards: how many messages entered
// each state, and which provider error codes the reports carried, whichever
// way the reports came (callback, poll answer, or a polling window closing).
//
// Thread-safe (prometheus-cpp metrics are).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

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
    prometheus::Family<prometheus::Counter>& entered_;
    prometheus::Family<prometheus::Counter>& errors_;
};

// The `code` label of an error code: the number, or "other" outside the range
// providers use, so that a hostile or broken report cannot make an unbounded
// number of series.
[[nodiscard]] std::string error_code_label(int code);

}  // namespace deliveryd::store
