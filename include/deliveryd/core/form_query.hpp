// The pieces of a query string in the form encoding
// (application/x-www-form-urlencoded): parameters separated by '&', a name
// and a value separated by the first '=', '+' for a space and '%' with two
// hex digits for any byte. Pure functions over views; no allocation but the
// decoded text.
//
// Written here rather than taken from Boost.URL: its strict grammar checks
// the query once to parse it and again to walk it, and wants characters that
// clients send raw ({ } ") escaped first. On a provider's callback that was a
// quarter of the instructions deliveryd spent per request.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace deliveryd::core {

// Whether every '%' in `text` starts an escape of two hex digits.
[[nodiscard]] bool escapes_are_well_formed(std::string_view text) noexcept;

// Whether form_decoded(text) differs from `text`: it holds a '+' or a '%'.
[[nodiscard]] bool needs_form_decoding(std::string_view text) noexcept;

// `text` decoded: '+' as a space, each escape as its byte; every other byte
// as it is. The escapes must be well formed (escapes_are_well_formed).
[[nodiscard]] std::string form_decoded(std::string_view text);

// Calls visit(name, value) for each parameter of `query` in order, both still
// encoded; value is nullopt for a bare name (no '='), "" for "name=". An
// empty query is one empty parameter, as "a&&b" has one between its '&'s.
template <class Visit>
void for_each_query_parameter(std::string_view query, Visit&& visit) {
    for (;;) {
        const auto end = query.find('&');
        const auto parameter = query.substr(0, end);
        const auto equals = parameter.find('=');
        if (equals == std::string_view::npos) {
            visit(parameter, std::optional<std::string_view>{});
        } else {
            visit(parameter.substr(0, equals),
                  std::optional<std::string_view>{parameter.substr(equals + 1)});
        }
        if (end == std::string_view::npos) {
            return;
        }
        query.remove_prefix(end + 1);
    }
}

}  // namespace deliveryd::core
