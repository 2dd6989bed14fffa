// How the status calls of one (account, endpoint) are going, and what a
// call's verdict (call_outcome.hpp) means for the next ones (issue 6 item 5):
// failures are counted in a row (the backoff of retried rows grows with
// them), refused credentials pause the key a minute at a time and raise the
// credentials gauge, a TPS refusal pauses it a second, and an unbroken
// streak of failures costs one log line a minute rather than one per call.
// The first failure of each streak is logged at once, so that an outage
// shows when it starts, and the first answer after it says how many failed.
//
// Pure: the caller passes the time and acts on the Step it gets back.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "deliveryd/reconcile/call_outcome.hpp"

namespace deliveryd::reconcile {

class KeyHealth {
  public:
    using Clock = std::chrono::steady_clock;

    static constexpr auto credentials_pause = std::chrono::minutes(1);
    static constexpr auto tps_pause = std::chrono::seconds(1);
    static constexpr auto log_interval = std::chrono::minutes(1);

    enum class Log {
        none,
        recovered,    // answering again after `failures` failed calls
        credentials,  // the provider refuses the account's credentials
        failure,      // a call failed, `failures` in a row so far
    };

    // What to do after a verdict.
    struct Step {
        std::optional<Clock::time_point> hold_until;  // pause the key's limiter until then
        std::optional<bool> credentials_failing;      // the gauge's new value, when it changed
        Log log = Log::none;
        int failures = 0;
    };

    Step record(CallVerdict verdict, Clock::time_point now);

    // Failed calls since the last answer.
    [[nodiscard]] int consecutive_failures() const noexcept { return consecutive_failures_; }

  private:
    // Whether a failure at `now` is logged, and if so, notes that it was.
    bool admit_failure_log(Clock::time_point now);

    int consecutive_failures_ = 0;
    bool credentials_failing_ = false;
    std::optional<Clock::time_point> last_failure_log_;
};

// Writes the log line a Step asks for. `name` says which key ("account
// endpoint"); `outcome` is the call's.
void log_step(const KeyHealth::Step& step, std::string_view name, const CallOutcome& outcome);

}  // namespace deliveryd::reconcile
