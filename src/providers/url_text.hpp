// Small helpers the request builders share: where a method lives under a
// configured base URL, and query values encoded for a strict receiver.
#pragma once

#include <string>
#include <string_view>

namespace deliveryd::providers::detail {

// base + suffix, dropping trailing '/' from base: "http://h/" + "/p" -> "http://h/p",
// "https://h/v1/shop" + ".Zalo/GetMessage" -> "https://h/v1/shop.Zalo/GetMessage".
[[nodiscard]] std::string join_url(std::string_view base, std::string_view suffix);

// Everything but A-Z a-z 0-9 - . _ ~ percent-encoded (so '+', '&', '=', '%'
// and spaces in a secret survive any form decoder). Uses Boost.URL.
[[nodiscard]] std::string encode_query_value(std::string_view value);

}  // namespace deliveryd::providers::detail
