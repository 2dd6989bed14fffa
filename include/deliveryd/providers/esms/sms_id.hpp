// What deliveryd accepts as an eSMS SMSID. The provider treats it as an opaque
// string (GUIDs, 32 hex digits, both with extra digits; 31-42 chars in the
// samples), so only what would be unsafe or absurd is refused.
#pragma once

#include <cstddef>
#include <string_view>

namespace deliveryd::providers::esms {

inline constexpr std::size_t max_sms_id_length = 128;

// Why `id` is not acceptable ("empty", "longer than 128 characters",
// "contains a space", ...), or an empty view when it is: 1-128 printable ASCII
// characters, none of them a space, a quote (" or ') or a semicolon.
[[nodiscard]] std::string_view sms_id_problem(std::string_view id) noexcept;

[[nodiscard]] inline bool is_valid_sms_id(std::string_view id) noexcept {
    return sms_id_problem(id).empty();
}

}  // namespace deliveryd::providers::esms
