// Making provider text safe to keep: PostgreSQL `text` refuses NUL bytes and,
// in a UTF-8 database, invalid UTF-8. Providers send whatever they send.
// And trimming what people type or paste.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace deliveryd::core {

// Returns `text` with every NUL byte and every byte that is not part of a
// well-formed UTF-8 sequence (overlongs, surrogates, > U+10FFFF, truncated
// sequences) replaced by U+FFFD. When the result would exceed `max_bytes`, it
// is cut at a character boundary and "…" (U+2026) appended, within max_bytes
// (max_bytes below 3 cuts without the mark). Valid text comes back unchanged.
[[nodiscard]] std::string to_valid_utf8(std::string_view text,
                                        std::size_t max_bytes = std::string::npos);

// True when to_valid_utf8(text) would return text unchanged (no limit).
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

// Provider text fit for one log line: to_valid_utf8(text, max_bytes) with
// every control character (C0, DEL) as '?', so that a provider's message can
// neither break a line of the text log format nor forge one.
[[nodiscard]] std::string to_log_text(std::string_view text, std::size_t max_bytes = 200);

// `text` without the characters of `blanks` around it; by default spaces and
// tabs (a padded CSV header, a search pasted with a blank).
[[nodiscard]] std::string_view trim(std::string_view text,
                                    std::string_view blanks = " \t") noexcept;

}  // namespace deliveryd::core
