// How a scope's backlog is swept (sweep_rules.hpp): the listing that sweeps
// it, the source that asks one id at a time what a listing lacks, and the
// listing's first call about the rows claimed. Each listing source defines
// its first call in its own file. Private to src/reconcile.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/reconcile/planned_call.hpp"
#include "deliveryd/store/poll_store.hpp"

namespace deliveryd::reconcile::sources {

// The rows claimed for a sweep, as the first call needs them.
struct SweepSpan {
    std::string group;              // eSMS: the TypeId; eTelecom: the OA id
    core::Timestamp first_created;  // the claimed rows' creation times
    core::Timestamp last_created;
    // Pages past which listing is slower than asking each id alone: the
    // sweep stops there.
    std::size_t max_pages = 1;
};

// The first page's call about `ids` (the rows claimed), asking for the
// window its listing's rule draws around `span` (padded by sweep_pad).
using FirstPage = PlannedCall (*)(std::string account, const SweepSpan& span,
                                  std::vector<std::string> ids, core::Timestamp now);

struct SweepKind {
    const StatusSource* listing = nullptr;
    const StatusSource* per_id = nullptr;
    FirstPage first_page = nullptr;
};

[[nodiscard]] const SweepKind& sweep_kind(store::PollScope::Kind kind);

// GetSmsSentData_V2 over the creation times, padded on both sides.
[[nodiscard]] PlannedCall esms_sweep_call(std::string account, const SweepSpan& span,
                                          std::vector<std::string> ids, core::Timestamp now);

// ListMessages over the update times from the first creation (padded) to
// now (padded).
[[nodiscard]] PlannedCall etelecom_sweep_call(std::string account, const SweepSpan& span,
                                              std::vector<std::string> ids, core::Timestamp now);

}  // namespace deliveryd::reconcile::sources
