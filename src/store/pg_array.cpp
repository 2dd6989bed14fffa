#include "store/pg_array.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <string>

#include "store/storable_text.hpp"

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
    // The rest as storable_text() leaves it, quotes and backslashes escaped.
    for (const char c : storable_text(value.substr(clean))) {
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
