#include "deliveryd/providers/esms/send_status.hpp"

#include "deliveryd/core/error_info.hpp"

namespace deliveryd::providers::esms {

using core::StateLabel;

namespace {

bool is_documented(int send_status) noexcept {
    return send_status == 1 || send_status == 2 || send_status == 4 || send_status == 5 ||
           send_status == 7;
}

}  // namespace

LabelDecision decide_label(const StatusReport& r) noexcept {
    // A handset receipt outranks whatever SendStatus says (an undocumented
    // one is still named).
    if (r.zalo_delivery_status == 1) {
        return {StateLabel::delivered, r.send_status && !is_documented(*r.send_status)};
    }
    const bool zalo_failed = r.zns && r.zalo_error && core::is_error_code(*r.zalo_error);
    if (!r.send_status) {
        return {zalo_failed ? StateLabel::failed : StateLabel::submitted, false};
    }
    switch (*r.send_status) {
        case 1:
            return {StateLabel::pending_approval, false};
        case 2:
            return {StateLabel::waiting, false};
        case 4:
            return {StateLabel::rejected, false};
        case 7:
            return {StateLabel::sent_to_telco, false};
        case 5: {
            // Since 2025 the docs say 5 only means "finished": the counts tell
            // success from failure (one receiver per id for CSKH and ZNS).
            // A negative count means nothing: read as absent.
            const bool only_failures =
                r.send_failed.value_or(0) > 0 && r.send_success.value_or(0) <= 0;
            return {only_failures || zalo_failed ? StateLabel::failed : StateLabel::sent, false};
        }
        default:
            // Old integrations saw 3 (sending) and 6 (deleted); neither is
            // documented now, nor is any negative value. Not final, so
            // polling carries on; the caller counts it.
            return {StateLabel::submitted, true};
    }
}

}  // namespace deliveryd::providers::esms
