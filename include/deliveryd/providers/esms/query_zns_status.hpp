// eSMS QueryZnsStatus: the outcome of one ZNS (TypeId 24 or 25) asked by its
// SMSID alone, so it answers for messages sent without a CallbackUrl, which
// GetCallback never knows. POST <api_base>/MainService.svc/json/QueryZnsStatus/,
// 100 calls/s per account. eSMS publishes no sample answer; the shapes here
// follow its field list (tests/data/documented/query_zns_status_*.json).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/status.hpp"
#include "deliveryd/providers/esms/credentials.hpp"
#include "deliveryd/providers/esms/result_code.hpp"
#include "deliveryd/providers/http_request.hpp"
#include "deliveryd/providers/parse_result.hpp"

namespace deliveryd::providers::esms {

inline constexpr std::string_view query_zns_status_path = "/MainService.svc/json/QueryZnsStatus/";

// Whether QueryZnsStatus takes messages of this TypeId (ZNS priority 24 and
// normal 25; eSMS refuses the others).
[[nodiscard]] constexpr bool query_zns_status_takes(int type_id) noexcept {
    return type_id == 24 || type_id == 25;
}

// Body {"ApiKey","SecretKey","SmsId","SmsType"}, SmsType as a decimal string
// the way eSMS's send requests carry it. Content-Type application/json.
[[nodiscard]] HttpRequest build_query_zns_status_request(std::string_view api_base,
                                                         const Credentials& credentials,
                                                         std::string_view sms_id, int sms_type);

struct QueryZnsStatusResponse {
    int code = 0;  // CodeResult
    ResultClass result = ResultClass::retry_later;
    std::string message;  // ErrorMessage, for logs
    // With code 100 and a Data object: source query_zns_status, the SMSID
    // asked about, counters and price as reported, partner_id = ZaloMsgId.
    // The label (Data's FinalStatus, then ErrorInfo, then SendStatus):
    //  * FinalStatus 1, ErrorInfo "0": delivered (Zalo reached the user);
    //  * FinalStatus 1, any other ErrorInfo ("1001": the user was not online
    //    within the allowed time; otherwise a Zalo code): failed (rejected
    //    when SendStatus is 4), with the code in error_code (a text that is
    //    not a number: error_message);
    //  * otherwise (FinalStatus 0, absent or undocumented, or ErrorInfo null,
    //    "not sent yet"): what SendStatus and the counters say
    //    (decide_label), but never a final label: eSMS says the outcome is
    //    not reached, so a SendStatus that would end the row leaves it
    //    `submitted` (a note says so) and a later answer decides.
    // unknown_status: an undocumented FinalStatus ("FinalStatus <n>") or
    // SendStatus. nullopt when Data is absent or null (nothing known yet).
    std::optional<core::Observation> observation;
};

// `sms_id` is the id asked about; an answer about another SMSID is an error.
[[nodiscard]] ParseResult<QueryZnsStatusResponse> parse_query_zns_status_response(
    std::string_view body, std::string_view sms_id, core::Timestamp received_at) noexcept;

}  // namespace deliveryd::providers::esms
