// The sweep's calls to eSMS GetSmsSentData_V2 (esms_sms_sent_data.cpp): how
// the scheduler asks for a window of one SmsType, and what the source reads
// back from the call. Private to src/reconcile.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/reconcile/planned_call.hpp"

namespace deliveryd::reconcile::sources {

struct SweepWindow {
    int sms_type = 2;
    core::Timestamp from;  // creation time, padded
    core::Timestamp to;
    // Pages past which listing is slower than asking each id alone: the
    // sweep gives up after the first page if the window holds more.
    std::size_t max_pages = 1;
};

// The first page's call about `ids` (the rows claimed for the sweep).
[[nodiscard]] PlannedCall sweep_call(std::string account, const SweepWindow& window,
                                     std::vector<std::string> ids);

}  // namespace deliveryd::reconcile::sources
