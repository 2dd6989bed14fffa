// eTelecom Zalo Cloud GetMessage: one ZNS message's record
// (sample answers: tests/data/seeds/etelecom_get_message_003_*.json).
// POST <base_url>.Zalo/GetMessage with
// `Authorization: Bearer <api_key>`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/status.hpp"
#include "deliveryd/providers/http_request.hpp"
#include "deliveryd/providers/parse_result.hpp"

namespace deliveryd::providers::etelecom {

// Appended to the configured base as is: ".../v1/shop" -> ".../v1/shop.Zalo/GetMessage".
inline constexpr std::string_view get_message_method = ".Zalo/GetMessage";

// Headers Authorization, Content-Type: application/json, Accept:
// application/json; body {"oa_id","msg_id"} (oa_id as a string: the API takes
// int64 as string and a JSON number would lose digits in JavaScript clients).
[[nodiscard]] HttpRequest build_get_message_request(std::string_view base_url,
                                                    std::string_view api_key,
                                                    std::string_view oa_id,
                                                    std::string_view msg_id);

// The SMS that eTelecom may send when the ZNS fails (enable_sms_on_zns_failure).
struct SmsFallback {
    std::optional<std::string> status;
    std::optional<std::string> status_description;
    std::optional<core::Timestamp> send_time;

    friend bool operator==(const SmsFallback&, const SmsFallback&) = default;
};

struct GetMessageResponse {
    // source etelecom_get_message, provider etelecom, sms_id as given, raw = the body.
    // Label: delivery_status received/seen -> delivered (delivered_at =
    // delivery_time when plausible); else error_code != 0 -> failed; else sent
    // when sent_time is set, submitted otherwise. A delivery_status other than
    // unknown/received/seen is named in unknown_status. The fallback SMS does
    // not change the label (the row tracks the ZNS, and the SMS leg's status
    // values are undocumented): its status and send time go to the
    // observation's fallback_sms_status / fallback_sms_at as sent.
    core::Observation observation;
    std::optional<SmsFallback> sms;  // also in observation.raw
};

// `sms_id` is our key for the row. An error body {"code","msg"} (HTTP 4xx/5xx)
// or a body without msg_id is an error naming eTelecom's code.
[[nodiscard]] ParseResult<GetMessageResponse> parse_get_message_response(
    std::string_view body, std::string_view sms_id, core::Timestamp received_at) noexcept;

}  // namespace deliveryd::providers::etelecom
