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
    if (recent_.empty() && pending_.empty()) {
        return hold_;
    }
    // A reservation still out may leave at any moment, so it is one of the
    // latest L departures whatever its slot; the rest of the L are the
    // latest reported ones.
    if (pending_.size() >= calls_) {
        return TimePoint::max();
    }
    auto at = std::max({hold_, last_grant_, paced_});
    const auto reported = calls_ - pending_.size();
    if (recent_.size() >= reported) {
        at = std::max(at, recent_[recent_.size() - reported] + window_);
    }
    return at;
}

void RateLimiter::grant(TimePoint slot) {
    if (gap_ > Duration::zero()) {
        paced_ = (slot - paced_ <= gap_ / 2 ? paced_ : slot) + gap_;
    }
    last_grant_ = std::max(last_grant_, slot);
}

void RateLimiter::record(TimePoint departure) {
    // Reports arrive out of order (a call that was slow to leave), so each
    // goes to its place in time.
    recent_.insert(std::upper_bound(recent_.begin(), recent_.end(), departure), departure);
    // Older departures can no longer constrain anything.
    while (recent_.size() > calls_) {
        recent_.pop_front();
    }
}

std::vector<RateLimiter::Reservation>::iterator RateLimiter::find_pending(Reservation reservation) {
    return std::find_if(pending_.begin(), pending_.end(),
                        [&](const Reservation& out) { return out.id == reservation.id; });
}

bool RateLimiter::try_acquire(TimePoint now) {
    if (next_allowed_at() > now) {
        return false;
    }
    grant(now);
    record(now);
    return true;
}

std::optional<RateLimiter::Reservation> RateLimiter::try_reserve(TimePoint now) {
    if (next_allowed_at() > now) {
        return std::nullopt;
    }
    grant(now);
    pending_.push_back({++reservations_, now});
    return pending_.back();
}

bool RateLimiter::departed(Reservation reservation, TimePoint at) {
    const auto it = find_pending(reservation);
    if (it == pending_.end()) {
        return false;
    }
    const auto departure = std::max(at, it->slot);
    pending_.erase(it);
    record(departure);
    return true;
}

bool RateLimiter::settle(Reservation reservation) {
    const auto it = find_pending(reservation);
    if (it == pending_.end()) {
        return false;
    }
    const auto slot = it->slot;
    pending_.erase(it);
    record(slot);
    return true;
}

RateLimiter::TimePoint RateLimiter::acquire_at(TimePoint now) {
    const auto allowed = next_allowed_at();
    if (allowed == TimePoint::max()) {
        throw std::logic_error("rate limit: every slot is held by a reservation still out");
    }
    const auto at = std::max(now, allowed);
    grant(at);
    record(at);
    return at;
}

void RateLimiter::hold_until(TimePoint until) noexcept {
    hold_ = std::max(hold_, until);
}

double RateLimiter::utilisation(TimePoint now) const noexcept {
    std::size_t in_window = pending_.size();
    for (auto it = recent_.rbegin(); it != recent_.rend(); ++it) {
        if (*it > now) {
            continue;  // a reservation that has not left yet
        }
        if (now - *it >= window_) {
            break;  // sorted: everything older is outside the window too
        }
        ++in_window;
    }
    return static_cast<double>(std::min(in_window, calls_)) / static_cast<double>(calls_);
}

double RateLimiter::sustained_rate() const noexcept {
    return static_cast<double>(calls_) / std::chrono::duration_cast<Seconds>(window_).count();
}

}  // namespace deliveryd::reconcile
