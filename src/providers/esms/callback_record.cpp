#include "deliveryd/providers/esms/callback_record.hpp"

#include <utility>

#include "deliveryd/core/channel.hpp"
#include "deliveryd/core/error_info.hpp"
#include "deliveryd/core/phone.hpp"
#include "deliveryd/core/time_text.hpp"
#include "deliveryd/providers/esms/send_status.hpp"

namespace deliveryd::providers::esms {

core::Observation to_observation(CallbackRecord r, core::Source source, core::Timestamp received_at,
                                 std::string raw) {
    auto o = core::report_from(source, core::Provider::esms, std::move(r.sms_id), received_at,
                               std::move(raw));

    o.send_status = r.send_status;
    o.send_success = r.send_success;
    o.send_failed = r.send_failed;
    o.total_receiver = r.total_receiver;
    o.total_sent = r.total_sent;
    o.total_price = r.total_price;
    o.type_id = r.type_id;
    o.telco_id = r.telco_id;
    o.request_id = std::move(r.request_id);
    o.oa_id = std::move(r.oa_id);
    o.template_id = std::move(r.template_id);
    o.partner_id = std::move(r.partner_id);

    core::ErrorInfo info;
    if (r.error_info) {
        info = core::parse_error_info(*r.error_info);
        o.error_code = info.error_code;
        o.error_message = info.error_message;
        if (!o.partner_id) {
            o.partner_id = info.data.message_id;
        }
        if (info.stamped_at && core::is_plausible_provider_time(*info.stamped_at, received_at)) {
            o.provider_at = info.stamped_at;
        }
        o.zalo_status = info.data.status;
        if (info.data.status == 1 && info.data.delivery_time &&
            core::is_plausible_provider_time(*info.data.delivery_time, received_at)) {
            o.delivered_at = info.data.delivery_time;
        }
    }

    // `phonenumber` holds the receiver of any kind: a phone number, or for
    // follower messages and journeys (TypeId 26/27, which only go to users)
    // and ZNS sent by user id, a Zalo user id. Zalo's own data.user_id is the
    // user id itself (phonenumber may carry a shortened form of it).
    const bool to_zalo_user = r.type_id == 26 || r.type_id == 27;
    if (r.phone_number && !to_zalo_user && core::is_vietnamese_phone(*r.phone_number)) {
        o.phone = std::move(r.phone_number);
    } else if (r.phone_number) {
        o.zalo_user_id = std::move(r.phone_number);
    }
    if (info.data.user_id) {
        o.zalo_user_id = info.data.user_id;
    }

    const auto decision = decide_label(StatusReport{
        .send_status = r.send_status,
        .send_success = r.send_success,
        .send_failed = r.send_failed,
        .zns = core::is_zns(o),
        .zalo_error = info.error_code,
        .zalo_delivery_status = info.data.status,
    });
    o.state = decision.label;
    if (decision.unknown_send_status) {
        o.unknown_status = std::to_string(*r.send_status);
    } else if (info.data.status && (*info.data.status < -1 || *info.data.status > 1)) {
        o.unknown_status = std::to_string(*info.data.status);
    }
    return o;
}

}  // namespace deliveryd::providers::esms
