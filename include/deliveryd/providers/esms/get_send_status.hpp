// eSMS GetSendStatus: the status of one SMSID from the last 7 days
// (sample answers: tests/data/seeds/get_send_status_002_*.json).
// GET <api_base>/MainService.svc/json/GetSendStatus.
#pragma once

#include <optional>
#include <string_view>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/status.hpp"
#include "deliveryd/providers/esms/credentials.hpp"
#include "deliveryd/providers/esms/result_code.hpp"
#include "deliveryd/providers/http_request.hpp"
#include "deliveryd/providers/parse_result.hpp"

namespace deliveryd::providers::esms {

inline constexpr std::string_view get_send_status_path = "/MainService.svc/json/GetSendStatus";

// GET ...?RefId=<id>&ApiKey=<key>&SecretKey=<secret>, every value
// percent-encoded except A-Z a-z 0-9 - . _ ~.
[[nodiscard]] HttpRequest build_get_send_status_request(std::string_view api_base,
                                                        const Credentials& credentials,
                                                        std::string_view sms_id);

struct GetSendStatusResponse {
    int code = 0;  // CodeResponse ("100" or 100)
    ResultClass result = ResultClass::retry_later;
    // With code 100: source get_send_status, raw = the body. Otherwise empty
    // (the 101 sample carries only the SMSID).
    std::optional<core::Observation> observation;
};

// `sms_id` is the id that was asked about: used when the answer omits SMSID;
// an answer about another id is an error. An unknown SendStatus gives a note.
[[nodiscard]] ParseResult<GetSendStatusResponse> parse_get_send_status_response(
    std::string_view body, std::string_view sms_id, core::Timestamp received_at) noexcept;

}  // namespace deliveryd::providers::esms
