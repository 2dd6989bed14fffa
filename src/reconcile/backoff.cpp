#include "deliveryd/reconcile/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <stdexcept>
#include <utility>

namespace deliveryd::reconcile {
namespace {

using Micros = std::chrono::microseconds;

// Doubling beyond this is past any schedule step (5 s * 2^40 is centuries).
constexpr int max_doublings = 40;

double clamped_unit(double u) {
    // NaN or out of range from a faulty source must not push a row past its
    // window or into the past: take the middle (no jitter) for NaN.
    if (std::isnan(u)) {
        return 0.5;
    }
    return std::clamp(u, 0.0, std::nextafter(1.0, 0.0));
}

}  // namespace

UnitRandom seeded_unit_random(std::uint64_t seed) {
    auto engine = std::make_shared<std::mt19937_64>(seed);
    return [engine]() {
        // 53 random bits -> a double in [0, 1) exactly, unlike
        // uniform_real_distribution, which may round up to 1.0.
        return static_cast<double>((*engine)() >> 11) * 0x1.0p-53;
    };
}

Backoff::Backoff(ScheduleSettings schedule, UnitRandom random, BackoffOptions options)
    : schedule_(std::move(schedule)), random_(std::move(random)), options_(options) {
    if (schedule_.backoff.empty()) {
        throw std::invalid_argument("backoff: the schedule needs at least one step");
    }
    if (std::any_of(schedule_.backoff.begin(), schedule_.backoff.end(),
                    [](Duration d) { return d <= Duration::zero(); })) {
        throw std::invalid_argument("backoff: every step must be longer than 0");
    }
    if (schedule_.window <= Duration::zero() || schedule_.grace < Duration::zero()) {
        throw std::invalid_argument("backoff: window must be positive and grace not negative");
    }
    if (!(options_.jitter >= 0 && options_.jitter < 1)) {
        throw std::invalid_argument("backoff: jitter must be in [0, 1)");
    }
    if (options_.retry_first <= std::chrono::milliseconds::zero()) {
        throw std::invalid_argument("backoff: retry_first must be longer than 0");
    }
    if (!random_) {
        throw std::invalid_argument("backoff: no random source");
    }
}

core::Timestamp Backoff::window_end(core::Timestamp submitted_at) const {
    return submitted_at + std::chrono::duration_cast<Micros>(schedule_.window);
}

bool Backoff::window_ended(core::Timestamp submitted_at, core::Timestamp now) const {
    return now >= window_end(submitted_at);
}

core::Timestamp Backoff::first_poll_at(core::Timestamp submitted_at) const {
    return std::min(submitted_at + std::chrono::duration_cast<Micros>(schedule_.grace),
                    window_end(submitted_at));
}

Duration Backoff::step(int poll_attempts) const noexcept {
    const auto index = static_cast<std::size_t>(std::max(poll_attempts, 1) - 1);
    return schedule_.backoff[std::min(index, schedule_.backoff.size() - 1)];
}

core::Timestamp Backoff::after(core::Timestamp submitted_at, core::Timestamp now,
                               Duration delay) const {
    const double u = clamped_unit(random_());
    const double factor = 1.0 + options_.jitter * (2.0 * u - 1.0);
    const double micros =
        static_cast<double>(std::chrono::duration_cast<Micros>(delay).count()) * factor;
    const auto at = now + Micros(std::llround(micros));
    // The provider forgets the message at the window's end; the row comes back
    // then to be closed, never later.
    return std::min(at, window_end(submitted_at));
}

core::Timestamp Backoff::next_poll_at(core::Timestamp submitted_at, int poll_attempts,
                                      core::Timestamp now) const {
    return after(submitted_at, now, step(poll_attempts));
}

core::Timestamp Backoff::retry_at(core::Timestamp submitted_at, int poll_attempts,
                                  int consecutive_failures, core::Timestamp now) const {
    const int doublings = std::clamp(consecutive_failures, 1, max_doublings) - 1;
    const auto cap = step(poll_attempts);
    // Exponential in the endpoint's failures, but never slower than the
    // schedule: a failed poll must not delay a row more than an answer would.
    const double grown =
        static_cast<double>(options_.retry_first.count()) * std::ldexp(1.0, doublings);
    const auto delay = grown >= static_cast<double>(cap.count())
                           ? cap
                           : Duration(static_cast<Duration::rep>(grown));
    return after(submitted_at, now, delay);
}

}  // namespace deliveryd::reconcile
