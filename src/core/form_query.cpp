#include "deliveryd/core/form_query.hpp"

#include <algorithm>

namespace deliveryd::core {
namespace {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

bool escapes_are_well_formed(std::string_view text) noexcept {
    for (auto percent = text.find('%'); percent != std::string_view::npos;
         percent = text.find('%', percent + 3)) {
        if (percent + 2 >= text.size() || hex_value(text[percent + 1]) < 0 ||
            hex_value(text[percent + 2]) < 0) {
            return false;
        }
    }
    return true;
}

bool needs_form_decoding(std::string_view text) noexcept {
    // Two searches: find_first_of would search the set once per character.
    return text.find('%') != std::string_view::npos || text.find('+') != std::string_view::npos;
}

std::string form_decoded(std::string_view text) {
    // Most values have nothing to decode: copied whole.
    if (!needs_form_decoding(text)) {
        return std::string(text);
    }
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace deliveryd::core
