// Lets a repeated log message through at most once per interval and counts
// the ones it held back, so that a flood (every failed batch while the
// database is down, under load thousands a second) becomes one line per
// interval saying how many it stands for. Thread-safe; the caller gives the
// time, so it is tested without a clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>

namespace deliveryd::core {

class LogThrottle {
  public:
    using Clock = std::chrono::steady_clock;

    explicit LogThrottle(Clock::duration interval) : interval_(interval) {}

    // nullopt: hold this occurrence back. Otherwise log it, mentioning the
    // returned number of occurrences held back since the last one logged.
    [[nodiscard]] std::optional<std::size_t> admit(Clock::time_point now) {
        std::lock_guard lock(mutex_);
        if (last_ && now - *last_ < interval_) {
            ++held_back_;
            return std::nullopt;
        }
        last_ = now;
        const auto held = held_back_;
        held_back_ = 0;
        return held;
    }

  private:
    std::mutex mutex_;
    Clock::duration interval_;
    std::optional<Clock::time_point> last_;
    std::size_t held_back_ = 0;
};

}  // namespace deliveryd::core
