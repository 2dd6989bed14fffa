#include "deliveryd/core/time_text.hpp"

#include <array>
#include <cstdio>

#include "deliveryd/core/numbers.hpp"

namespace deliveryd::core {
namespace {

using namespace std::chrono;

// Reads exactly `width` digits at text[pos] (advancing pos).
std::optional<int> digits(std::string_view text, std::size_t& pos, std::size_t width) noexcept {
    if (pos + width > text.size()) {
        return std::nullopt;
    }
    int value = 0;
    for (std::size_t i = 0; i < width; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    pos += width;
    return value;
}

bool expect(std::string_view text, std::size_t& pos, char c) noexcept {
    if (pos < text.size() && text[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

// Three numbers of the given widths joined by `sep` ("2024-04-24",
// "24/04/2024", "09:58:01"), advancing pos.
std::optional<std::array<int, 3>> triple(std::string_view text, std::size_t& pos,
                                         std::array<std::size_t, 3> widths, char sep) noexcept {
    std::array<int, 3> values{};
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0 && !expect(text, pos, sep)) {
            return std::nullopt;
        }
        const auto value = digits(text, pos, widths[i]);
        if (!value) {
            return std::nullopt;
        }
        values[i] = *value;
    }
    return values;
}

// A civil date and time of day, validated, as a UTC instant (before any offset).
std::optional<Timestamp> civil(int y, int mo, int d, int h, int mi, int s) noexcept {
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                              day{static_cast<unsigned>(d)}};
    if (!date.ok() || h > 23 || mi > 59 || s > 60) {
        return std::nullopt;
    }
    const auto leap = s == 60;  // keep the instant inside the same minute
    return Timestamp{sys_days{date}} + hours{h} + minutes{mi} + seconds{leap ? 59 : s} +
           microseconds{leap ? 999'999 : 0};
}

}  // namespace

std::optional<Timestamp> parse_rfc3339(std::string_view text) noexcept {
    std::size_t pos = 0;
    const auto date = triple(text, pos, {4, 2, 2}, '-');
    if (!date || !(expect(text, pos, 'T') || expect(text, pos, 't') || expect(text, pos, ' '))) {
        return std::nullopt;
    }
    const auto time = triple(text, pos, {2, 2, 2}, ':');
    if (!time) {
        return std::nullopt;
    }
    const auto [y, mo, d] = *date;
    const auto [h, mi, s] = *time;
    auto t = civil(y, mo, d, h, mi, s);
    if (!t) {
        return std::nullopt;
    }
    if (expect(text, pos, '.')) {
        const std::size_t start = pos;
        std::int64_t micros = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (pos - start < 6) {
                micros = micros * 10 + (text[pos] - '0');
            }
            ++pos;
        }
        if (pos == start) {
            return std::nullopt;
        }
        for (std::size_t n = pos - start; n < 6; ++n) {
            micros *= 10;
        }
        if (s != 60) {  // a leap second already sits at .999999
            *t += microseconds{micros};
        }
    }
    if (expect(text, pos, 'Z') || expect(text, pos, 'z')) {
        return pos == text.size() ? t : std::nullopt;
    }
    const bool ahead = expect(text, pos, '+');
    if (!ahead && !expect(text, pos, '-')) {
        return std::nullopt;
    }
    const auto oh = digits(text, pos, 2);
    if (!oh || !expect(text, pos, ':')) {
        return std::nullopt;
    }
    const auto om = digits(text, pos, 2);
    if (!om || *oh > 23 || *om > 59 || pos != text.size()) {
        return std::nullopt;
    }
    // Local time = UTC + offset, so UTC = local - offset.
    const auto offset = hours{*oh} + minutes{*om};
    return ahead ? *t - offset : *t + offset;
}

std::optional<Timestamp> parse_epoch_millis(std::string_view text) noexcept {
    // 253402300799999 ms is 9999-12-31T23:59:59.999Z.
    const auto ms = parse_integer(text, 1, 253'402'300'799'999);
    if (!ms) {
        return std::nullopt;
    }
    return Timestamp{milliseconds{*ms}};
}

std::optional<Timestamp> parse_esms_local_time(std::string_view text) noexcept {
    std::size_t pos = 0;
    const auto date = triple(text, pos, {2, 2, 4}, '/');
    if (!date || !expect(text, pos, ' ')) {
        return std::nullopt;
    }
    const auto time = triple(text, pos, {2, 2, 2}, ':');
    if (!time || pos != text.size()) {
        return std::nullopt;
    }
    const auto [d, mo, y] = *date;
    const auto [h, mi, s] = *time;
    const auto local = civil(y, mo, d, h, mi, s);
    if (!local) {
        return std::nullopt;
    }
    return *local - hours{7};
}

std::optional<Timestamp> parse_wcf_date(std::string_view text) noexcept {
    constexpr std::string_view open = "/Date(";
    constexpr std::string_view close = ")/";
    if (!text.starts_with(open) || !text.ends_with(close) ||
        text.size() < open.size() + close.size()) {
        return std::nullopt;
    }
    auto inside = text.substr(open.size(), text.size() - open.size() - close.size());
    // The offset, if any: a sign after at least one digit, then hhmm.
    const auto sign = inside.find_first_of("+-", 1);
    if (sign != std::string_view::npos) {
        const auto offset = inside.substr(sign + 1);
        if (offset.size() != 4 || !parse_integer(offset.substr(0, 2), 0, 14) ||
            !parse_integer(offset.substr(2), 0, 59)) {
            return std::nullopt;
        }
        inside = inside.substr(0, sign);
    }
    return parse_epoch_millis(inside);
}

std::string format_esms_local_time(Timestamp t) {
    const auto local = floor<seconds>(t) + hours{7};
    const auto day_start = floor<days>(local);
    const year_month_day date{day_start};
    const hh_mm_ss time{local - day_start};
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u %02d:%02d:%02d",
                  static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return buffer;
}

std::string format_rfc3339(Timestamp t) {
    const auto day_start = floor<days>(t);
    const year_month_day date{day_start};
    const hh_mm_ss time{t - day_start};
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                  static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()),
                  static_cast<long long>(time.subseconds().count()));
    return buffer;
}

bool is_plausible_provider_time(Timestamp at, Timestamp received_at) noexcept {
    constexpr Timestamp earliest{std::chrono::sys_days{std::chrono::year{2015} / 1 / 1}};
    return at >= earliest && at <= received_at + std::chrono::hours{24};
}

}  // namespace deliveryd::core
