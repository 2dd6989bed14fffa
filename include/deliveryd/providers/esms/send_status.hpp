// The one rule that turns eSMS's SendStatus (and, for ZNS, Zalo's answer in
// error_info) into a state label. Used by the callback, GetCallback and
// GetSendStatus parsers alike.
#pragma once

#include <optional>

#include "deliveryd/core/status.hpp"

namespace deliveryd::providers::esms {

struct StatusReport {
    std::optional<int> send_status;  // SendStatus as sent
    std::optional<int> send_success;
    std::optional<int> send_failed;
    bool zns = false;                         // TypeId 24-27 or an OA id
    std::optional<int> zalo_error;            // error_info "error"
    std::optional<int> zalo_delivery_status;  // error_info data.status (sends by Zalo user id)
};

struct LabelDecision {
    core::StateLabel label = core::StateLabel::submitted;
    // SendStatus was given but is none of 1, 2, 4, 5, 7: the label stays
    // `submitted` (not final, so polling goes on), unless a handset receipt
    // decided it. Count it.
    bool unknown_send_status = false;
};

// data.status 1 -> delivered (Zalo says it is on the phone).
// SendStatus 1 pending_approval, 2 waiting, 4 rejected, 7 sent_to_telco,
// 5 "finished": failed when SendFailed > 0 and SendSuccess is 0, negative or absent, or
//   (ZNS) when Zalo's error is non-zero; sent otherwise.
// No SendStatus: failed for a ZNS carrying a non-zero Zalo error, else submitted.
[[nodiscard]] LabelDecision decide_label(const StatusReport& report) noexcept;

}  // namespace deliveryd::providers::esms
