#include "store/pg_array.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <string>

#include "deliveryd/core/text.hpp"

namespace deliveryd::store {
void PgArray::add(std::string_view value) {
    auto& out = separator();
    out += '"';
    // Most values are plain ASCII with nothing to escape: copy those whole.
    const auto special = std::find_if(value.begin(), value.end(), [](char c) {
        return c == '"' || c == '\\' || c == '\0' || static_cast<unsigned char>(c) >= 0x80;
    });
    const auto clean = static_cast<std::size_t>(special - value.begin());
    out.append(value.substr(0, clean));
    // The rest: NULs dropped, invalid UTF-8 replaced (core's one rule for
    // that), quotes and backslashes escaped.
    std::string rest(value.substr(clean));
    std::erase(rest, '\0');
    for (const char c : core::to_valid_utf8(rest)) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '"';
}

void PgArray::add(std::int64_t value) {
    char digits[24];
    const auto end = std::to_chars(std::begin(digits), std::end(digits), value).ptr;
    separator().append(std::begin(digits), end);
}

void PgArray::add(double value) {
    char digits[32];
    const auto end = std::to_chars(std::begin(digits), std::end(digits), value).ptr;
    separator().append(std::begin(digits), end);
}

}  // namespace deliveryd::store
