// eSMS result codes (CodeResult / CodeResponse / Code) and what deliveryd does
// about each. The table, one row per code eSMS documents, lives in
// result_code.cpp only.
#pragma once

#include <cstdint>
#include <string_view>

namespace deliveryd::providers::esms {

enum class ResultClass : std::uint8_t {
    success,            // 100: the call worked (says nothing about delivery)
    retry_later,        // transient, quota, rate limit, not yet queryable, or unknown: back off
    permanent_failure,  // this message or request is wrong: asking again will not help
    credentials,        // account or configuration problem: alert; retry only after a fix
};

[[nodiscard]] ResultClass classify_result_code(int code) noexcept;

// A short English meaning for logs ("wrong ApiKey/SecretKey"), or "unknown code".
[[nodiscard]] std::string_view describe_result_code(int code) noexcept;

[[nodiscard]] std::string_view to_string(ResultClass result) noexcept;

}  // namespace deliveryd::providers::esms
