#include "time_format.hpp"

#include <charconv>
#include <cstdio>

namespace deliveryd::sim {
namespace {

using namespace std::chrono;

struct civil {
    int year;
    unsigned month, day, hour, minute, second, millis;
};

civil split(sim_time t) {
    auto day_point = floor<days>(t);
    year_month_day ymd{day_point};
    hh_mm_ss<milliseconds> hms{t - day_point};
    return {static_cast<int>(ymd.year()),
            static_cast<unsigned>(ymd.month()),
            static_cast<unsigned>(ymd.day()),
            static_cast<unsigned>(hms.hours().count()),
            static_cast<unsigned>(hms.minutes().count()),
            static_cast<unsigned>(hms.seconds().count()),
            static_cast<unsigned>(hms.subseconds().count())};
}

bool read_int(std::string_view text, std::size_t pos, std::size_t len, int& out) {
    if (pos + len > text.size()) {
        return false;
    }
    const char* first = text.data() + pos;
    auto [ptr, ec] = std::from_chars(first, first + len, out);
    return ec == std::errc{} && ptr == first + len;
}

}  // namespace

std::string format_rfc3339(sim_time t) {
    auto c = split(t);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", c.year, c.month, c.day,
                  c.hour, c.minute, c.second, c.millis);
    return buf;
}

std::string format_vn_suffix(sim_time t) {
    auto c = split(t + hours(7));
    char buf[40];
    std::snprintf(buf, sizeof buf, "%02u/%02u/%04d %02u:%02u:%02u", c.day, c.month, c.year, c.hour,
                  c.minute, c.second);
    return buf;
}

std::optional<sim_time> parse_vn_local(std::string_view text) {
    if (text.size() != 19 || text[10] != ' ') {
        return std::nullopt;
    }
    return parse_rfc3339(std::string(text) + "+07:00");
}

std::string format_wcf_date(sim_time t) {
    return "/Date(" + std::to_string(t.time_since_epoch().count()) + "+0700)/";
}

std::optional<sim_time> parse_rfc3339(std::string_view text) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
        (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':' ||
        !read_int(text, 0, 4, y) || !read_int(text, 5, 2, mo) || !read_int(text, 8, 2, d) ||
        !read_int(text, 11, 2, h) || !read_int(text, 14, 2, mi) || !read_int(text, 17, 2, s)) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    int millis = 0;
    if (text[pos] == '.') {
        ++pos;
        int digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (digits < 3) {
                millis = millis * 10 + (text[pos] - '0');
            }
            ++digits;
            ++pos;
        }
        if (digits == 0) {
            return std::nullopt;
        }
        for (; digits < 3; ++digits) {
            millis *= 10;
        }
    }
    minutes offset{0};
    if (pos < text.size() && text[pos] == 'Z' && pos + 1 == text.size()) {
        // UTC
    } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') &&
               text[pos + 3] == ':') {
        int oh = 0, om = 0;
        if (!read_int(text, pos + 1, 2, oh) || !read_int(text, pos + 4, 2, om)) {
            return std::nullopt;
        }
        offset = hours(oh) + minutes(om);
        if (text[pos] == '-') {
            offset = -offset;
        }
    } else {
        return std::nullopt;
    }
    year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
    if (!ymd.ok() || h > 23 || mi > 59 || s > 60) {
        return std::nullopt;
    }
    return sim_time{sys_days(ymd)} + hours(h) + minutes(mi) + seconds(s) + milliseconds(millis) -
           offset;
}

std::optional<milliseconds> parse_duration(std::string_view text) {
    std::int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr == text.data() || value < 0) {
        return std::nullopt;
    }
    std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
    if (unit.empty() || unit == "ms") {
        return milliseconds(value);
    }
    if (unit == "s") {
        return seconds(value);
    }
    if (unit == "m") {
        return minutes(value);
    }
    if (unit == "h") {
        return hours(value);
    }
    if (unit == "d") {
        return days(value);
    }
    return std::nullopt;
}

}  // namespace deliveryd::sim
