// eSMS GetZaloMessageStatus: whether a ZNS reached the user's phone
// (sample answer: tests/data/seeds/zalo_message_status_004.json).
// POST <api_base>/MainService.svc/json/GetZaloMessageStatus,
// 30 calls/s per account. MessageId is Zalo's message id (the row's partner_id).
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

inline constexpr std::string_view zalo_message_status_path =
    "/MainService.svc/json/GetZaloMessageStatus";

// Body {"ApiKey","SecretKey","OAID","MessageId"}, Content-Type application/json.
[[nodiscard]] HttpRequest build_zalo_message_status_request(std::string_view api_base,
                                                            const Credentials& credentials,
                                                            std::string_view oa_id,
                                                            std::string_view message_id);

struct ZaloMessageStatusResponse {
    int code = 0;  // CodeResult
    ResultClass result = ResultClass::retry_later;
    std::string message;  // ErrorMessage ("success. "), for logs
    // Data.status -1: Zalo has no such message (yet). The scheduler backs off
    // and tries again within the window; the observation below still records
    // zalo_status -1 with the label `submitted`, which changes no label.
    bool message_found = false;
    // With code 100 and a Data.status: source zalo_status, sms_id as given,
    // partner_id = message_id, zalo_status = Data.status, label
    // 1 -> delivered (delivered_at = Data.delivery_time, epoch ms as text,
    // when plausible), 0 -> sent (on Zalo's server, not yet on the phone),
    // -1 -> submitted; any other value -> submitted, named in unknown_status.
    std::optional<core::Observation> observation;
};

// `sms_id` / `oa_id` / `message_id` are those of the row asked about (the
// answer names none of them).
[[nodiscard]] ParseResult<ZaloMessageStatusResponse> parse_zalo_message_status_response(
    std::string_view body, std::string_view sms_id, std::string_view oa_id,
    std::string_view message_id, core::Timestamp received_at) noexcept;

}  // namespace deliveryd::providers::esms
