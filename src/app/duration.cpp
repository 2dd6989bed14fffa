// Duration strings of the configuration: one integer and one unit.
#include <charconv>
#include <string>

#include "deliveryd/app/config.hpp"

namespace deliveryd::app {

std::optional<Duration> parse_duration(std::string_view text) {
    std::int64_t amount = 0;
    const auto* const end = text.data() + text.size();
    const auto [rest, ec] = std::from_chars(text.data(), end, amount);
    if (ec != std::errc{} || rest == text.data() || amount < 0) {
        return std::nullopt;
    }
    const std::string_view unit(rest, static_cast<std::size_t>(end - rest));
    std::int64_t millis_per_unit = 0;
    if (unit == "ms") {
        millis_per_unit = 1;
    } else if (unit == "s") {
        millis_per_unit = 1'000;
    } else if (unit == "m") {
        millis_per_unit = 60'000;
    } else if (unit == "h") {
        millis_per_unit = 3'600'000;
    } else if (unit == "d") {
        millis_per_unit = 86'400'000;
    } else {
        return std::nullopt;
    }
    // Ten years is far beyond any sensible setting and keeps the product in range.
    constexpr std::int64_t max_millis = 10LL * 366 * 86'400'000;
    if (amount > max_millis / millis_per_unit) {
        return std::nullopt;
    }
    return Duration{amount * millis_per_unit};
}

std::string format_duration(Duration d) {
    const auto ms = d.count();
    struct Unit {
        std::int64_t millis;
        const char* suffix;
    };
    for (const Unit unit :
         {Unit{86'400'000, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"}, Unit{1'000, "s"}}) {
        if (ms != 0 && ms % unit.millis == 0) {
            return std::to_string(ms / unit.millis) + unit.suffix;
        }
    }
    return std::to_string(ms) + "ms";
}

}  // namespace deliveryd::app
