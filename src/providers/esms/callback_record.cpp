#include "deliveryd/providers/esms/callback_record.hpp"

#include "deliveryd/core/channel.hpp"
#include "deliveryd/core/error_info.hpp"
#include "deliveryd/providers/esms/send_status.hpp"

namespace deliveryd::providers::esms {

core::Observation to_observation(const CallbackRecord& r, core::Source source,
                                 core::Timestamp received_at, std::string raw,
                                 std::vector<std::string>& notes) {
    core::Observation o;
    o.source = source;
    o.provider = core::Provider::esms;
    o.sms_id = r.sms_id;
    o.observed_at = received_at;
    o.raw = std::move(raw);

    o.send_status = r.send_status;
    o.send_success = r.send_success;
    o.send_failed = r.send_failed;
    o.total_receiver = r.total_receiver;
    o.total_sent = r.total_sent;
    o.total_price = r.total_price;
    o.type_id = r.type_id;
    o.telco_id = r.telco_id;
    o.request_id = r.request_id;
    o.oa_id = r.oa_id;
    o.template_id = r.template_id;
    o.partner_id = r.partner_id;

    // Follower messages (26) and journeys (27) go to a Zalo user id, which the
    // provider reports in the `phonenumber` field.
    const bool to_zalo_user = r.type_id == 26 || r.type_id == 27;
    (to_zalo_user ? o.zalo_user_id : o.phone) = r.phone_number;

    core::ErrorInfo info;
    if (r.error_info) {
        info = core::parse_error_info(*r.error_info);
        o.error_code = info.error_code;
        o.error_message = info.error_message;
        if (!o.partner_id) {
            o.partner_id = info.data.message_id;
        }
        if (!o.zalo_user_id) {
            o.zalo_user_id = info.data.user_id;
        }
        o.zalo_status = info.data.status;
        if (info.data.status == 1) {
            o.delivered_at = info.data.delivery_time;
        }
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
        notes.push_back("unknown SendStatus " + std::to_string(*r.send_status) + " for SMSID " +
                        r.sms_id + ": kept as submitted");
    }
    return o;
}

}  // namespace deliveryd::providers::esms
