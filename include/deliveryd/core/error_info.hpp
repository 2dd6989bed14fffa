// eSMS's `error_info` (callback) / `ErrorInfo` (GetCallback): Zalo's answer to
// a ZNS send, in one of the shapes seen in eSMS's samples (tests/data/seeds
// holds one of each):
//   1. plain JSON: {"error":0,"message":"Success","data":{...,"status":1}}
//   2. JSON wrapped as a JSON string literal: "{\"error\":-114,...}"
//   3. percent-encoded once more than the query (after the query's own decode
//      it still reads %7B%22data%22...), with "____dd/MM/yyyy HH:mm:ss" appended
//   4. JSON followed by other text: {"error":-124,...}Object reference not set...
// Wrappings may nest (a few levels are unwrapped). Anything else is kept as
// text. Pure; never throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "deliveryd/core/status.hpp"

namespace deliveryd::core {

// Zalo's `data` object: present for follower messages (TypeId 26/27) and
// sends by Zalo user id.
struct ZaloData {
    std::optional<std::string> message_id;  // data.message_id: Zalo's msg id (= partnerids)
    std::optional<std::string> user_id;     // data.user_id
    std::optional<int>
        status;  // data.status: -1 no such message, 0 on Zalo's server, 1 on the phone
    std::optional<Timestamp> delivery_time;  // data.delivery_time: epoch ms (text or number)
    std::optional<std::string> message;      // data.message: the human description of status

    friend bool operator==(const ZaloData&, const ZaloData&) = default;
};

struct ErrorInfo {
    bool is_json = false;                      // a JSON object was found
    std::optional<int> error_code;             // "error": 0 success, otherwise Zalo's code
    std::optional<std::string> error_message;  // "message"; the text itself when not JSON
    ZaloData data;
    std::optional<Timestamp> stamped_at;  // the "____dd/MM/yyyy HH:mm:ss" suffix, read as UTC+07:00
    std::string trailing;                 // other text after the JSON (.NET exception text)

    friend bool operator==(const ErrorInfo&, const ErrorInfo&) = default;
};

// Zalo's `error` 0 ("Success") and eTelecom's error_code 0 report success:
// the one code that is not an error. A row's error_code holds only errors.
[[nodiscard]] constexpr bool is_error_code(int code) noexcept {
    return code != 0;
}

// Longest error_message / trailing text kept, in bytes (cut on a character).
inline constexpr std::size_t max_error_text_bytes = 1000;

// `text` is the value after the transport's own decoding (the query decode for
// callbacks, the JSON string for GetCallback). Empty or blank input gives an
// ErrorInfo with nothing set.
[[nodiscard]] ErrorInfo parse_error_info(std::string_view text) noexcept;

}  // namespace deliveryd::core
