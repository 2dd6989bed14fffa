// Clocks of the simulator. Two kinds of time exist side by side:
//  * simulated wall time (sim_time): drives message timelines, callbacks and
//    every time field in answers; it runs at --time-scale times real time;
//  * real steady time (steady_time): drives rate limits, latency and timeouts,
//    because deliveryd's rate limiter lives in real time whatever the scale.
// Pure logic takes both as arguments; only the server reads the clocks.
#pragma once

#include <chrono>

namespace deliveryd::sim {

using sim_time = std::chrono::sys_time<std::chrono::milliseconds>;
using steady_time = std::chrono::steady_clock::time_point;
using std::chrono::milliseconds;

// Source of simulated time. Implementations must be cheap and callable from
// the simulator's single I/O thread; manual_clock is for tests.
class sim_clock {
  public:
    virtual ~sim_clock() = default;
    [[nodiscard]] virtual sim_time now() const = 0;
    // Real time that passes until the simulated clock shows `t` (zero if past).
    [[nodiscard]] virtual std::chrono::steady_clock::duration real_until(sim_time t) const = 0;
};

// sim = start + (steady_now - steady_start) * scale.
class scaled_clock final : public sim_clock {
  public:
    scaled_clock(sim_time start, double scale)
        : start_(start), steady_start_(std::chrono::steady_clock::now()), scale_(scale) {}

    [[nodiscard]] sim_time now() const override {
        std::chrono::duration<double, std::milli> real =
            std::chrono::steady_clock::now() - steady_start_;
        return start_ + milliseconds(static_cast<milliseconds::rep>(real.count() * scale_));
    }

    [[nodiscard]] std::chrono::steady_clock::duration real_until(sim_time t) const override {
        auto ahead = t - now();
        if (ahead <= milliseconds(0)) {
            return {};
        }
        auto real =
            std::chrono::duration<double, std::milli>(static_cast<double>(ahead.count()) / scale_);
        return std::chrono::duration_cast<std::chrono::steady_clock::duration>(real);
    }

    [[nodiscard]] double scale() const { return scale_; }

  private:
    sim_time start_;
    steady_time steady_start_;
    double scale_;
};

// A clock that moves only when told to. Not thread-safe.
class manual_clock final : public sim_clock {
  public:
    explicit manual_clock(sim_time start) : now_(start) {}
    [[nodiscard]] sim_time now() const override { return now_; }
    [[nodiscard]] std::chrono::steady_clock::duration real_until(sim_time) const override {
        return {};
    }
    void set(sim_time t) { now_ = t; }
    void advance(milliseconds d) { now_ += d; }

  private:
    sim_time now_;
};

}  // namespace deliveryd::sim
