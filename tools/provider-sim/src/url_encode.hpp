// The percent-encodings seen in eSMS callbacks (tests/data/seeds). Each one
// leaves a different set of characters alone; the samples pin them down:
//  * encode_uri           = JavaScript encodeURI: first pass of the 26/27
//                            error_info ({ " space encoded; : , / kept);
//  * encode_uri_component = JavaScript encodeURIComponent: the second pass
//                            (% : , / encoded; _ kept);
//  * encode_esms_zns      = the 24/25 error_info encoder ({ } kept, " \ : , encoded).
// Hex digits are upper case, as in the samples.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace deliveryd::sim {

std::string encode_uri(std::string_view s);
std::string encode_uri_component(std::string_view s);
std::string encode_esms_zns(std::string_view s);
// Plain %XX decoding ('+' stays '+'); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);

}  // namespace deliveryd::sim
