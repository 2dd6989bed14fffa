#include "deliveryd/core/numbers.hpp"

#include <algorithm>
#include <charconv>

namespace deliveryd::core {
namespace {

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

bool all_digits(std::string_view text) noexcept {
    for (char c : text) {
        if (!is_digit(c)) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::optional<std::int64_t> parse_integer(std::string_view text, std::int64_t min,
                                          std::int64_t max) noexcept {
    // std::from_chars alone would accept a prefix ("12abc" -> 12): insist on
    // the whole text, and reject the forms it does not take anyway ("+5").
    const bool negative = !text.empty() && text.front() == '-';
    const std::string_view digits = negative ? text.substr(1) : text;
    if (digits.empty() || !all_digits(digits)) {
        return std::nullopt;
    }
    std::int64_t value = 0;
    // Up to 18 digits cannot leave the int64 range: summed here, as most
    // values are a digit or two and std::from_chars costs more than that.
    constexpr std::size_t safe_digits = 18;
    if (digits.size() <= safe_digits) {
        for (const char c : digits) {
            value = value * 10 + (c - '0');
        }
        if (negative) {
            value = -value;
        }
    } else {
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc{} || end != text.data() + text.size()) {
            return std::nullopt;  // out of the int64 range
        }
    }
    if (value < min || value > max) {
        return std::nullopt;
    }
    return value;
}

std::optional<int> parse_int(std::string_view text, int min, int max) noexcept {
    const auto value = parse_integer(text, min, max);
    if (!value) {
        return std::nullopt;
    }
    return static_cast<int>(*value);
}

std::optional<Price> parse_price(std::string_view text) noexcept {
    constexpr std::size_t max_integer_digits = 14;
    constexpr std::size_t decimals = 4;

    const auto dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view fraction =
        dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    if (whole.empty() || !all_digits(whole)) {
        return std::nullopt;
    }
    if (dot != std::string_view::npos && (fraction.empty() || !all_digits(fraction))) {
        return std::nullopt;  // "5." or "5.x" or a second '.'
    }
    if (fraction.size() > decimals &&
        fraction.substr(decimals).find_first_not_of('0') != std::string_view::npos) {
        return std::nullopt;  // more precision than the column keeps: not exact
    }
    const std::string_view significant_whole = whole.substr(
        std::min(whole.find_first_not_of('0'), whole.size()));  // leading zeros are harmless
    if (significant_whole.size() > max_integer_digits) {
        return std::nullopt;
    }

    // At most 14 + 4 digits: the sum cannot overflow int64.
    std::int64_t amount = 0;
    for (char c : significant_whole) {
        amount = amount * 10 + (c - '0');
    }
    for (std::size_t i = 0; i < decimals; ++i) {
        amount = amount * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
    }
    return Price{amount};
}

std::string format_price(Price price) {
    constexpr std::uint64_t scale = 10'000;
    const bool negative = price.ten_thousandths < 0;
    // Work on the magnitude as unsigned so that INT64_MIN does not overflow.
    const auto magnitude = negative ? 0U - static_cast<std::uint64_t>(price.ten_thousandths)
                                    : static_cast<std::uint64_t>(price.ten_thousandths);
    const std::uint64_t whole = magnitude / scale;
    const std::uint64_t fraction = magnitude % scale;

    // Appended piece by piece: GCC 12 at -O3 misreads the temporaries of
    // `"-" + std::to_string(...) + ...` as overlapping copies (-Wrestrict).
    const std::string fraction_text = std::to_string(fraction);
    std::string out;
    if (negative) {
        out += '-';
    }
    out += std::to_string(whole);
    out += '.';
    out.append(4 - fraction_text.size(), '0');
    out += fraction_text;
    return out;
}

}  // namespace deliveryd::core
