// Telling a Vietnamese phone number from a Zalo user id. eSMS reports the
// receiver of a ZNS in one field, `phonenumber`, whether the message went to
// a phone number or to a Zalo user id; the two columns must not mix.
#pragma once

#include <string_view>

namespace deliveryd::core {

// A Vietnamese mobile number as providers write it: optionally '+', then
// digits only, as 84 + 9 digits, 0 + 9 digits, or 9 digits without the
// leading 0 (the forms Zalo accepts); the 10-digit subscriber numbers used
// before 2018 (84 + 10, 0 + 10) too. Zalo user ids are longer digit strings
// (15 to 19 digits) and fail this test.
[[nodiscard]] bool is_vietnamese_phone(std::string_view text) noexcept;

}  // namespace deliveryd::core
