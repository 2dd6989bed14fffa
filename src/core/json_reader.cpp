#include "deliveryd/core/json_reader.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include <boost/json/parse.hpp>
#include <boost/url/grammar/ci_string.hpp>

#include "deliveryd/core/numbers.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/core/time_text.hpp"

namespace deliveryd::core {
namespace {

std::string_view as_view(const boost::json::string& s) noexcept {
    return {s.data(), s.size()};
}

// 2000-01-01T00:00:00Z: anything earlier from a 2019+ API is a placeholder.
constexpr Timestamp earliest_real_time{std::chrono::sys_days{std::chrono::year{2000} / 1 / 1}};

}  // namespace

std::optional<boost::json::value> parse_json(std::string_view text) noexcept {
    try {
        boost::json::parse_options options;
        options.allow_invalid_utf8 = true;
        boost::system::error_code ec;
        auto value = boost::json::parse(text, ec, {}, options);
        if (ec) {
            return std::nullopt;
        }
        return value;
    } catch (...) {
        return std::nullopt;  // allocation failure
    }
}

const boost::json::value* find_member(const boost::json::object& object,
                                      std::string_view key) noexcept {
    if (const auto* exact = object.if_contains(key)) {
        return exact;
    }
    for (const auto& member : object) {
        if (boost::urls::grammar::ci_is_equal(member.key(), key)) {
            return &member.value();
        }
    }
    return nullptr;
}

std::optional<std::int64_t> json_integer(const boost::json::value& value, std::int64_t min,
                                         std::int64_t max) noexcept {
    std::optional<std::int64_t> result;
    if (const auto* i = value.if_int64()) {
        result = *i;
    } else if (const auto* u = value.if_uint64()) {
        if (*u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            result = static_cast<std::int64_t>(*u);
        }
    } else if (const auto* d = value.if_double()) {
        // 5.0 is 5; 5.5, NaN, infinities and anything beyond ±2^63 are not integers.
        constexpr double limit = 9'223'372'036'854'775'808.0;
        if (std::isfinite(*d) && std::trunc(*d) == *d && *d >= -limit && *d < limit) {
            result = static_cast<std::int64_t>(*d);
        }
    } else if (const auto* s = value.if_string()) {
        return parse_integer(as_view(*s), min, max);
    }
    if (result && (*result < min || *result > max)) {
        return std::nullopt;
    }
    return result;
}

std::optional<Price> json_price(const boost::json::value& value) noexcept {
    if (const auto* s = value.if_string()) {
        return parse_price(as_view(*s));
    }
    if (value.is_int64() || value.is_uint64()) {
        const auto whole = json_integer(value, 0, max_price_ten_thousandths / 10'000);
        return whole ? std::optional{Price{*whole * 10'000}} : std::nullopt;
    }
    if (const auto* d = value.if_double()) {
        if (!std::isfinite(*d) || *d < 0 || *d >= 1e15) {
            return std::nullopt;
        }
        // The shortest decimal that reads back as the same double: for a
        // price sent with at most 15 significant digits it is that price.
        char buffer[64];
        const auto [end, ec] =
            std::to_chars(buffer, buffer + sizeof buffer, *d, std::chars_format::fixed);
        if (ec != std::errc{}) {
            return std::nullopt;
        }
        const std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
        // A double keeps 15 significant digits for sure; beyond that the
        // shortest text may differ from what the provider wrote.
        std::size_t significant = 0;
        bool leading = true;
        for (const char c : text) {
            if (c >= '1' && c <= '9') {
                leading = false;
            }
            if (c != '.' && !leading) {
                ++significant;
            }
        }
        if (significant > 15) {
            return std::nullopt;
        }
        return parse_price(text);
    }
    return std::nullopt;
}

const boost::json::value* JsonReader::member(std::string_view key) const noexcept {
    const auto* value = find_member(object_, key);
    return value == nullptr || value->is_null() ? nullptr : value;
}

const boost::json::value* JsonReader::given(std::string_view key) const noexcept {
    const auto* value = member(key);
    if (value != nullptr && value->is_string() && value->get_string().empty()) {
        return nullptr;
    }
    return value;
}

void JsonReader::fail(std::string_view key, std::string_view problem) {
    if (error_.empty()) {
        error_ = "field '";
        error_ += key;
        error_ += "': ";
        error_ += problem;
    }
}

std::optional<int> JsonReader::integer(std::string_view key, int min, int max) {
    const auto* value = given(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    const auto result = json_integer(*value, min, max);
    if (!result) {
        fail(key, "not an integer in range");
        return std::nullopt;
    }
    return static_cast<int>(*result);
}

std::optional<std::string> JsonReader::text(std::string_view key, std::size_t max_bytes) {
    const auto* value = given(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (const auto* s = value->if_string()) {
        return to_valid_utf8(as_view(*s), max_bytes);
    }
    if (value->is_int64()) {
        return std::to_string(value->get_int64());
    }
    if (value->is_uint64()) {
        return std::to_string(value->get_uint64());
    }
    fail(key, "not a string");
    return std::nullopt;
}

std::optional<Price> JsonReader::price(std::string_view key) {
    const auto* value = given(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    const auto result = json_price(*value);
    if (!result) {
        fail(key, "not a non-negative price with at most 4 decimals");
    }
    return result;
}

std::optional<Timestamp> JsonReader::epoch_millis(std::string_view key) {
    const auto* value = given(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    const auto ms = json_integer(*value, 0, 253'402'300'799'999);
    if (!ms) {
        fail(key, "not epoch milliseconds");
        return std::nullopt;
    }
    if (*ms == 0) {
        return std::nullopt;
    }
    return Timestamp{std::chrono::milliseconds{*ms}};
}

std::optional<Timestamp> JsonReader::rfc3339(std::string_view key) {
    const auto* value = given(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    const auto* s = value->if_string();
    const auto result = s != nullptr ? parse_rfc3339(as_view(*s)) : std::nullopt;
    if (!result) {
        fail(key, "not an RFC 3339 time");
        return std::nullopt;
    }
    return *result < earliest_real_time ? std::nullopt : result;
}

std::optional<bool> JsonReader::boolean(std::string_view key) {
    const auto* value = given(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (const auto* b = value->if_bool()) {
        return *b;
    }
    fail(key, "not a boolean");
    return std::nullopt;
}

}  // namespace deliveryd::core
