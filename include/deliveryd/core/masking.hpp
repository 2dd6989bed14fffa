// Phone numbers and Zalo user ids as support staff see them unless they ask
// for them in full: enough to tell two apart and to match what a customer
// reads out, not enough to call or message the person.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace deliveryd::core {

// The first three and last two characters kept, each one between them a
// '*': "091*****78". Text of five characters or fewer is all '*'.
[[nodiscard]] std::string mask_identifier(std::string_view text);

// Every form a phone number or Zalo user id may be written in inside a raw
// payload: phone_forms() for a phone (and the '+' forms percent-encoded, as
// a callback's query string carries them), the id itself otherwise; longest
// first.
[[nodiscard]] std::vector<std::string> written_forms(std::string_view identifier);

// `text` with each occurrence of each of `forms` (longest first) replaced
// by its mask_identifier().
[[nodiscard]] std::string mask_forms(std::string_view text, const std::vector<std::string>& forms);

}  // namespace deliveryd::core
