#include "deliveryd/core/text.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace deliveryd::core {
namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view ellipsis = "\xE2\x80\xA6";     // U+2026

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when the
// bytes there are not one (RFC 3629 table of well-formed byte sequences).
std::size_t sequence_length(std::string_view text, std::size_t i) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[i + k]); };
    const std::uint8_t b0 = byte(0);
    if (b0 == 0) {
        return 0;  // NUL is valid UTF-8 but not storable
    }
    if (b0 < 0x80) {
        return 1;
    }
    std::size_t length = 0;
    std::uint8_t low = 0x80;
    std::uint8_t high = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        length = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        length = 3;
        if (b0 == 0xE0) {
            low = 0xA0;  // no overlongs
        } else if (b0 == 0xED) {
            high = 0x9F;  // no UTF-16 surrogates
        }
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        length = 4;
        if (b0 == 0xF0) {
            low = 0x90;
        } else if (b0 == 0xF4) {
            high = 0x8F;  // nothing above U+10FFFF
        }
    } else {
        return 0;
    }
    if (i + length > text.size()) {
        return 0;
    }
    if (byte(1) < low || byte(1) > high) {
        return 0;
    }
    for (std::size_t k = 2; k < length; ++k) {
        if (byte(k) < 0x80 || byte(k) > 0xBF) {
            return 0;
        }
    }
    return length;
}

// How many bytes from text[i] on are ASCII other than NUL: each one a whole
// character, valid as it is. Most text is nothing else, so it is measured
// eight bytes at a time.
std::size_t plain_run(std::string_view text, std::size_t i) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    const std::size_t start = i;
    for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, text.data() + i, sizeof word);
        // A byte with its high bit set, or a zero byte, ends the run.
        if (((word | ((word - ones) & ~word)) & highs) != 0) {
            break;
        }
    }
    while (i < text.size() && text[i] != '\0' && static_cast<std::uint8_t>(text[i]) < 0x80) {
        ++i;
    }
    return i - start;
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
    for (std::size_t i = plain_run(text, 0); i < text.size(); i += plain_run(text, i)) {
        const std::size_t n = sequence_length(text, i);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

std::string to_valid_utf8(std::string_view text, std::size_t max_bytes) {
    std::string out;
    out.reserve(std::min(text.size(), max_bytes));
    for (std::size_t i = 0; i < text.size() && out.size() <= max_bytes;) {
        if (auto run = plain_run(text, i); run > 0) {
            if (max_bytes != std::string::npos) {
                run = std::min(run, max_bytes - out.size() + 1);  // enough to tell it is too long
            }
            out.append(text.substr(i, run));
            i += run;
            continue;
        }
        const std::size_t n = sequence_length(text, i);
        out += n == 0 ? replacement : text.substr(i, n);
        i += n == 0 ? 1 : n;
    }
    if (out.size() <= max_bytes) {
        return out;
    }
    // Too long: cut at a character boundary (out is valid UTF-8 by now, so a
    // byte 10xxxxxx is always a continuation) and mark the cut.
    std::size_t cut = max_bytes >= ellipsis.size() ? max_bytes - ellipsis.size() : max_bytes;
    while (cut > 0 && (static_cast<std::uint8_t>(out[cut]) & 0xC0) == 0x80) {
        --cut;
    }
    out.resize(cut);
    if (max_bytes >= ellipsis.size()) {
        out += ellipsis;
    }
    return out;
}

std::string to_log_text(std::string_view text, std::size_t max_bytes) {
    auto out = to_valid_utf8(text, max_bytes);
    for (char& c : out) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            c = '?';
        }
    }
    return out;
}

std::string_view trim(std::string_view text, std::string_view blanks) noexcept {
    const auto first = text.find_first_not_of(blanks);
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

}  // namespace deliveryd::core
