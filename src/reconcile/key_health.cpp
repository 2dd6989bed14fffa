#include "deliveryd/reconcile/key_health.hpp"

#include <spdlog/spdlog.h>

namespace deliveryd::reconcile {

KeyHealth::Step KeyHealth::record(CallVerdict verdict, Clock::time_point now) {
    Step step;
    switch (verdict) {
        case CallVerdict::answered:
        case CallVerdict::rejected:
            if (consecutive_failures_ > 0 || credentials_failing_) {
                step.log = Log::recovered;
                step.failures = consecutive_failures_;
            }
            if (credentials_failing_) {
                credentials_failing_ = false;
                step.credentials_failing = false;
            }
            consecutive_failures_ = 0;
            last_failure_log_.reset();
            break;
        case CallVerdict::credentials:
            ++consecutive_failures_;
            step.failures = consecutive_failures_;
            step.hold_until = now + credentials_pause;
            if (!credentials_failing_) {
                credentials_failing_ = true;
                step.credentials_failing = true;
            }
            if (admit_failure_log(now)) {
                step.log = Log::credentials;
            }
            break;
        case CallVerdict::tps_exceeded:
        case CallVerdict::retry:
            ++consecutive_failures_;
            step.failures = consecutive_failures_;
            if (verdict == CallVerdict::tps_exceeded) {
                step.hold_until = now + tps_pause;
            }
            if (admit_failure_log(now)) {
                step.log = Log::failure;
            }
            break;
    }
    return step;
}

bool KeyHealth::admit_failure_log(Clock::time_point now) {
    if (last_failure_log_ && now - *last_failure_log_ < log_interval) {
        return false;
    }
    last_failure_log_ = now;
    return true;
}

void log_step(const KeyHealth::Step& step, std::string_view name, const CallOutcome& outcome) {
    switch (step.log) {
        case KeyHealth::Log::none:
            break;
        case KeyHealth::Log::recovered:
            spdlog::info("status calls {}: answering again after {} failed calls", name,
                         step.failures);
            break;
        case KeyHealth::Log::credentials:
            spdlog::error(
                "status calls {}: the provider refuses the account's credentials or "
                "configuration ({}); pausing a minute at a time until fixed",
                name, outcome.detail);
            break;
        case KeyHealth::Log::failure:
            spdlog::warn("status call {} failed: {}{}{} ({} in a row; retrying with backoff)", name,
                         outcome.outcome, outcome.detail.empty() ? "" : ": ", outcome.detail,
                         step.failures);
            break;
    }
}

}  // namespace deliveryd::reconcile
