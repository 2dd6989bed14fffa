#include "deliveryd/reconcile/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace deliveryd::reconcile {
namespace {

using Seconds = std::chrono::duration<double>;

// Rates arrive as doubles from YAML: a rate of 20 must count as 20 calls even
// if it was computed as 19.999999999999996.
constexpr double count_epsilon = 1e-9;
constexpr double max_rate = 1e7;

// Rounded up: a window a nanosecond too long errs on the safe side.
RateLimiter::Duration at_least(double seconds) {
    return std::chrono::ceil<RateLimiter::Duration>(Seconds(seconds));
}

}  // namespace

RateLimiter::RateLimiter(RateLimit limit, Clock clock) : limit_(limit), clock_(std::move(clock)) {
    if (!std::isfinite(limit_.rate) || limit_.rate <= 0 || limit_.rate > max_rate) {
        throw std::invalid_argument("rate limit: rate must be in (0, 1e7] calls per second");
    }
    if (!std::isfinite(limit_.margin) || limit_.margin < 0 || limit_.margin >= 1) {
        throw std::invalid_argument("rate limit: margin must be in [0, 1)");
    }
    if (limit_.jitter < Duration::zero()) {
        throw std::invalid_argument("rate limit: jitter must not be negative");
    }
    if (!clock_) {
        throw std::invalid_argument("rate limit: no clock");
    }
    // The provider counts whole calls in a second; below one call a second the
    // only sensible reading is one call per 1 / rate seconds.
    if (limit_.rate + count_epsilon >= 1.0) {
        calls_ = static_cast<std::size_t>(std::floor(limit_.rate + count_epsilon));
        period_ = std::chrono::seconds(1);
    } else {
        calls_ = 1;
        period_ = at_least(1.0 / limit_.rate);
    }
    // Both terms bound the same L calls: the margin's gives the long-run rate
    // r (1 - m); the jitter's keeps L arrivals out of one provider window when
    // delays differ by up to J. Whichever is longer covers both.
    const auto margin_window =
        at_least(static_cast<double>(calls_) / (limit_.rate * (1.0 - limit_.margin)));
    window_ = std::max(margin_window, period_ + limit_.jitter);
    if (limit_.even_spacing) {
        gap_ = window_ / static_cast<Duration::rep>(calls_);
    }
}

RateLimiter::TimePoint RateLimiter::next_allowed_at() const noexcept {
    auto at = hold_;
    if (recent_.empty()) {
        return at;
    }
    // Never before the last grant: departures stay sorted, so the oldest one
    // remembered is the L-th latest in time.
    at = std::max({at, recent_.back(), paced_});
    if (recent_.size() >= calls_) {
        at = std::max(at, recent_.front() + window_);
    }
    return at;
}

void RateLimiter::record(TimePoint departure) {
    if (gap_ > Duration::zero()) {
        paced_ = (departure - paced_ <= gap_ / 2 ? paced_ : departure) + gap_;
    }
    recent_.push_back(departure);
    // Older departures can no longer constrain anything.
    while (recent_.size() > calls_) {
        recent_.pop_front();
    }
}

bool RateLimiter::try_acquire(TimePoint now) {
    if (next_allowed_at() > now) {
        return false;
    }
    record(now);
    return true;
}

RateLimiter::TimePoint RateLimiter::acquire_at(TimePoint now) {
    const auto at = std::max(now, next_allowed_at());
    record(at);
    return at;
}

void RateLimiter::hold_until(TimePoint until) noexcept {
    hold_ = std::max(hold_, until);
}

double RateLimiter::utilisation(TimePoint now) const noexcept {
    std::size_t in_window = 0;
    for (auto it = recent_.rbegin(); it != recent_.rend(); ++it) {
        if (*it > now) {
            continue;  // a reservation that has not left yet
        }
        if (now - *it >= window_) {
            break;  // sorted: everything older is outside the window too
        }
        ++in_window;
    }
    return static_cast<double>(in_window) / static_cast<double>(calls_);
}

double RateLimiter::sustained_rate() const noexcept {
    return static_cast<double>(calls_) / std::chrono::duration_cast<Seconds>(window_).count();
}

}  // namespace deliveryd::reconcile
