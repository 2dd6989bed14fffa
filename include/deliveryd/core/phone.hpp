// Telling a Vietnamese phone number from a Zalo user id. eSMS reports the
// receiver of a ZNS in one field, `phonenumber`, whether the message went to
// a phone number or to a Zalo user id; the two columns must not mix.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deliveryd::core {

// A Vietnamese mobile number as providers write it: optionally '+', then
// digits only, as 84 + 9 digits, 0 + 9 digits, or 9 digits without the
// leading 0 (the forms Zalo accepts); the 10-digit subscriber numbers used
// before 2018 (84 + 10, 0 + 10) too. Zalo user ids are longer digit strings
// (15 to 19 digits) and fail this test.
[[nodiscard]] bool is_vietnamese_phone(std::string_view text) noexcept;

// The subscriber digits of a Vietnamese phone number, without '+', 84 or
// the leading 0: "912345678" for 0912345678, 84912345678, +84912345678 and
// 912345678; nullopt when is_vietnamese_phone() says it is not one.
[[nodiscard]] std::optional<std::string> phone_subscriber(std::string_view text);

// Every way a sender or provider writes the same number, longest first:
// +84…, 84…, 0… and the bare subscriber digits; just `text` when it is not
// a Vietnamese phone number.
[[nodiscard]] std::vector<std::string> phone_forms(std::string_view text);

}  // namespace deliveryd::core
