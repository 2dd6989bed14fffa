// Strict parsing of the scalar values providers send as text: integers and
// four-decimal prices. Pure functions; no locale, no floating point, no throw.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "deliveryd/core/observation.hpp"

namespace deliveryd::core {

// Largest price the delivery_state.total_price column (numeric(18,4)) holds:
// 14 integer digits and 4 decimals, counted in ten-thousandths.
inline constexpr std::int64_t max_price_ten_thousandths = 999'999'999'999'999'999;

// An optional '-' then one or more ASCII digits, nothing else (no spaces, no
// '+', no decimal point), in [min, max]. Leading zeros are accepted.
[[nodiscard]] std::optional<std::int64_t> parse_integer(std::string_view text, std::int64_t min,
                                                        std::int64_t max) noexcept;

// parse_integer narrowed to int; the default range is what an int holds.
[[nodiscard]] std::optional<int> parse_int(std::string_view text,
                                           int min = std::numeric_limits<int>::min(),
                                           int max = std::numeric_limits<int>::max()) noexcept;

// A non-negative decimal "123", "0.0", "696987.0000": digits, optionally '.'
// and 1..N digits. More than four decimals are accepted only when the extra
// digits are zeros (the value stays exact). At most 14 integer digits.
// Returns the exact amount in ten-thousandths.
[[nodiscard]] std::optional<Price> parse_price(std::string_view text) noexcept;

// The canonical text of a price: "696987.0000" (always four decimals), which
// PostgreSQL reads into numeric(18,4) exactly.
[[nodiscard]] std::string format_price(Price price);

}  // namespace deliveryd::core
