// The fields of one eSMS status record, whichever way it arrived: the GET
// callback's query, one GetCallback `Data_callback` entry, or a GetSendStatus
// answer. Each parser fills a CallbackRecord with validated values; one
// function turns it into an Observation, so the interpretation (label,
// error_info, phone vs Zalo user id) is written once.
#pragma once

#include <optional>
#include <string>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/status.hpp"

namespace deliveryd::providers::esms {

struct CallbackRecord {
    std::string sms_id;  // validated by the parser (sms_id.hpp)
    std::optional<int> send_status;
    std::optional<int> send_success;
    std::optional<int> send_failed;
    std::optional<int> total_receiver;
    std::optional<int> total_sent;
    std::optional<core::Price> total_price;
    std::optional<int> type_id;
    std::optional<int> telco_id;
    std::optional<std::string> request_id;
    std::optional<std::string> phone_number;  // a phone number or a Zalo user id
    std::optional<std::string> partner_id;    // partnerids: Zalo's message id
    std::optional<std::string> error_info;    // as decoded by the transport; parsed here
    std::optional<std::string> oa_id;
    std::optional<std::string> template_id;
};

// The Observation a record amounts to. `raw` is stored as the payload. The
// record is taken by value: its texts move into the Observation.
// Rules beyond decide_label():
//  * phonenumber goes to zalo_user_id for TypeId 26/27 (sent to users only)
//    and whenever it does not read as a Vietnamese phone number
//    (core::is_vietnamese_phone), else to phone; error_info's data.user_id,
//    when given, is the zalo_user_id.
//  * partner_id: partnerids, else error_info's data.message_id.
//  * error_code / error_message: from error_info (its text when not JSON),
//    as reported (0 included: merge() knows success is no error).
//  * zalo_status: error_info's data.status; delivered_at its delivery_time
//    when that status is 1 and the time is plausible (core::is_plausible_provider_time);
//    provider_at: error_info's "____dd/MM/yyyy HH:mm:ss" stamp, when plausible.
//  * unknown_status: a SendStatus outside 1, 2, 4, 5, 7, else a data.status
//    outside -1..1.
[[nodiscard]] core::Observation to_observation(CallbackRecord record, core::Source source,
                                               core::Timestamp received_at, std::string raw);

}  // namespace deliveryd::providers::esms
