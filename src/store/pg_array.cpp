#include "store/pg_array.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>

namespace deliveryd::store {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    unsigned min_second = 0x80;
    unsigned max_second = 0xBF;
    if (lead < 0x80) {
        return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        min_second = lead == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
        max_second = lead == 0xED ? 0x9F : 0xBF;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        min_second = lead == 0xF0 ? 0x90 : 0x80;
        max_second = lead == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (i + length > s.size() || byte(i + 1) < min_second || byte(i + 1) > max_second) {
        return 0;
    }
    for (std::size_t k = 2; k < length; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) {
            return 0;
        }
    }
    return length;
}

}  // namespace

void PgArray::add(std::string_view value) {
    auto& out = separator();
    out += '"';
    // Most values are plain ASCII with nothing to escape: copy those whole.
    const auto special = std::find_if(value.begin(), value.end(), [](char c) {
        return c == '"' || c == '\\' || c == '\0' || static_cast<unsigned char>(c) >= 0x80;
    });
    const auto clean = static_cast<std::size_t>(special - value.begin());
    out.append(value.substr(0, clean));
    for (std::size_t i = clean; i < value.size();) {
        const char c = value[i];
        if (c == '\0') {
            ++i;
            continue;
        }
        const auto length = utf8_sequence_length(value, i);
        if (length == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
            ++i;
            continue;
        }
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out.append(value.substr(i, length));
        i += length;
    }
    out += '"';
}

void PgArray::add(std::int64_t value) {
    char digits[24];
    const auto end = std::to_chars(std::begin(digits), std::end(digits), value).ptr;
    separator().append(std::begin(digits), end);
}

}  // namespace deliveryd::store
