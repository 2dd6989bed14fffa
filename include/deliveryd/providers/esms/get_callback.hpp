// eSMS GetCallback: replays stored callbacks for up to 200 SMSIDs of one OA
// (sample answer: tests/data/seeds/get_callback_000.json).
// POST <callback_api_base>/ZaloCallback/GetCallback.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/status.hpp"
#include "deliveryd/providers/esms/credentials.hpp"
#include "deliveryd/providers/esms/result_code.hpp"
#include "deliveryd/providers/http_request.hpp"
#include "deliveryd/providers/parse_result.hpp"

namespace deliveryd::providers::esms {

inline constexpr std::string_view get_callback_path = "/ZaloCallback/GetCallback";
// The provider keeps the first 200 ids of a longer list and drops the rest.
inline constexpr std::size_t get_callback_max_ids = 200;

// One POST per 200 ids (in the given order), each body
// {"ApiKey","SecretKey","ListRefid":[...],"OAId"}, Content-Type application/json.
// No ids: no requests.
[[nodiscard]] std::vector<HttpRequest> build_get_callback_requests(
    std::string_view callback_api_base, const Credentials& credentials, std::string_view oa_id,
    std::span<const std::string> sms_ids);

struct GetCallbackResponse {
    int code = 0;  // "Code" (a JSON number, or a string of one)
    ResultClass result = ResultClass::retry_later;
    std::string message;  // "Message", for logs
    // One per valid Data_callback entry: source get_callback, raw = that entry
    // as JSON. Ids with no stored callback are simply absent.
    std::vector<core::Observation> observations;
};

// The response body. An entry with a bad SMSID or a malformed field is skipped
// with a note; the other entries still count. An error only when the body is
// not a JSON object with a Code.
[[nodiscard]] ParseResult<GetCallbackResponse> parse_get_callback_response(
    std::string_view body, core::Timestamp received_at) noexcept;

}  // namespace deliveryd::providers::esms
