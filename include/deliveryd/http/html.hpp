// Small helpers for the admin pages' server-rendered HTML. Everything that
// comes from the database or the request goes through escape() before it is
// written into a page, in text and in attribute values alike.
#pragma once

#include <string>
#include <string_view>

namespace deliveryd::http::html {

// `text` with & < > " ' written as character references: safe inside an
// element and inside a quoted attribute value.
[[nodiscard]] std::string escape(std::string_view text);

// `text` percent-encoded for one query parameter's value or one path
// segment: every byte except A-Z a-z 0-9 - . _ ~ as %XX. The result is
// still escape()d when written into an attribute.
[[nodiscard]] std::string url_component(std::string_view text);

}  // namespace deliveryd::http::html
