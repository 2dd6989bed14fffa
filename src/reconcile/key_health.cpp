#include "deliveryd/reconcile/key_health.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace deliveryd::reconcile {
namespace {

// The id of a call about one message; empty for a call about several.
std::string_view only_id(const PlannedCall& call) {
    return call.sms_ids.size() == 1 ? std::string_view(call.sms_ids.front()) : std::string_view();
}

}  // namespace

KeyHealth::Step KeyHealth::record(CallVerdict verdict, Clock::time_point now,
                                  const PlannedCall& call) {
    const auto one_id = only_id(call);
    Step step;
    switch (verdict) {
        case CallVerdict::answered:
        case CallVerdict::rejected:
            answered(step, verdict, call);
            break;
        case CallVerdict::credentials_or_unknown_id:
            if (one_id.empty()) {
                failed(step, CallVerdict::credentials, now);  // no one message it could be about
            } else {
                refused(step, now, one_id);
            }
            break;
        case CallVerdict::credentials:
        case CallVerdict::tps_exceeded:
        case CallVerdict::retry:
            failed(step, verdict, now);
            break;
    }
    return step;
}

std::optional<KeyHealth::Clock::time_point> KeyHealth::next_probe_at() const noexcept {
    if (credentials_failing_) {
        return next_probe_at_;
    }
    return checking_since_;
}

const PlannedCall* KeyHealth::check_call() const noexcept {
    return checking_since_ && last_answered_ ? &*last_answered_ : nullptr;
}

bool KeyHealth::worth_probing(std::span<const std::string> sms_ids) const {
    return sms_ids.size() != 1 || (!in_streak(sms_ids.front()) && !known_unknown(sms_ids.front()));
}

void KeyHealth::answered(Step& step, CallVerdict verdict, const PlannedCall& call) {
    const auto one_id = only_id(call);
    step.answered = true;
    if (checking_since_) {
        checking_since_.reset();
        step.log = Log::checked;
        step.evidence = streak_.size();
    }
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
    // The provider accepted the keys after the streak's 101s, so those were
    // about their messages.
    for (auto& id : streak_) {
        if (id != one_id) {
            remember_unknown(std::move(id));
        }
    }
    streak_.clear();
    // An answer about an id shows eSMS knows it (or at least does not
    // refuse it): a 101 about it later is evidence again.
    if (const auto it = unknown_ids_.find(one_id); it != unknown_ids_.end()) {
        unknown_order_.erase(std::find(unknown_order_.begin(), unknown_order_.end(), *it));
        unknown_ids_.erase(it);
    }
    if (verdict == CallVerdict::answered && !one_id.empty()) {
        last_answered_ = call;
    }
}

void KeyHealth::refused(Step& step, Clock::time_point now, std::string_view sms_id) {
    if (credentials_failing_) {
        // A probe, or a call that left before the keys were doubted: still
        // refused.
        failed(step, CallVerdict::credentials, now);
        return;
    }
    if (checking_since_ && is_check(sms_id)) {
        // A message the provider answered about a moment ago is refused now.
        // (sms_id may point into last_answered_: not used after the reset.)
        step.evidence = streak_.size() + 1;
        last_answered_.reset();
        failed(step, CallVerdict::credentials, now);
        return;
    }
    if (known_unknown(sms_id)) {
        step.answered = true;  // about its message, as before
        return;
    }
    if (!in_streak(sms_id)) {
        streak_.emplace_back(sms_id);
    }
    step.evidence = streak_.size();
    if (checking_since_) {
        return;  // undecided until the check is answered: the row is retried
    }
    if (streak_.size() < credentials_evidence) {
        step.answered = true;  // about its message, until more say the same
        return;
    }
    if (last_answered_ && !in_streak(only_id(*last_answered_))) {
        checking_since_ = now;
        step.log = Log::checking;
        return;
    }
    failed(step, CallVerdict::credentials, now);
}

void KeyHealth::failed(Step& step, CallVerdict verdict, Clock::time_point now) {
    ++consecutive_failures_;
    step.failures = consecutive_failures_;
    if (verdict == CallVerdict::credentials) {
        doubt_credentials(step, now);
        if (admit_failure_log(now)) {
            step.log = Log::credentials;
        }
        return;
    }
    if (verdict == CallVerdict::tps_exceeded) {
        step.hold_until = now + tps_pause;
    }
    if (credentials_failing_) {
        // A probe that got no answer says nothing about the keys: the next
        // one in a minute.
        next_probe_at_ = now + probe_interval;
    }
    if (admit_failure_log(now)) {
        step.log = Log::failure;
    }
}

void KeyHealth::doubt_credentials(Step& step, Clock::time_point now) {
    checking_since_.reset();
    next_probe_at_ = now + probe_interval;
    if (!credentials_failing_) {
        credentials_failing_ = true;
        step.credentials_failing = true;
    }
}

void KeyHealth::remember_unknown(std::string sms_id) {
    if (!unknown_ids_.insert(sms_id).second) {
        return;
    }
    unknown_order_.push_back(std::move(sms_id));
    if (unknown_order_.size() > remembered_unknown_ids) {
        unknown_ids_.erase(unknown_order_.front());
        unknown_order_.pop_front();
    }
}

bool KeyHealth::known_unknown(std::string_view sms_id) const {
    return unknown_ids_.contains(sms_id);
}

bool KeyHealth::in_streak(std::string_view sms_id) const {
    return std::find(streak_.begin(), streak_.end(), sms_id) != streak_.end();
}

bool KeyHealth::is_check(std::string_view sms_id) const {
    return last_answered_ && only_id(*last_answered_) == sms_id;
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
            if (step.evidence > 0) {
                spdlog::error(
                    "status calls {}: the provider refuses the account's credentials ({}, for "
                    "{} different messages in a row); probing with one call a minute until "
                    "fixed",
                    name, outcome.detail, step.evidence);
            } else {
                spdlog::error(
                    "status calls {}: the provider refuses the account's credentials or "
                    "configuration ({}); probing with one call a minute until fixed",
                    name, outcome.detail);
            }
            break;
        case KeyHealth::Log::checking:
            spdlog::debug(
                "status calls {}: {} different messages answered {} in a row; asking again "
                "about the message last answered, to tell wrong keys from unknown messages",
                name, step.evidence, outcome.detail);
            break;
        case KeyHealth::Log::checked:
            spdlog::debug(
                "status calls {}: the provider still answers with these keys; the last {} "
                "refusals were about their messages",
                name, step.evidence);
            break;
        case KeyHealth::Log::failure:
            spdlog::warn("status call {} failed: {}{}{} ({} in a row; retrying with backoff)", name,
                         outcome.outcome, outcome.detail.empty() ? "" : ": ", outcome.detail,
                         step.failures);
            break;
    }
}

}  // namespace deliveryd::reconcile
