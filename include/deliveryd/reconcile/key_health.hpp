// How the status calls of one (account, endpoint) are going, and what a
// call's verdict (call_outcome.hpp) means for the next ones:
//  * failures are counted in a row (the backoff of retried rows grows with
//    them), and an unbroken streak of them costs one log line a minute rather
//    than one per call. The first failure of each streak is logged at once, so
//    that an outage shows when it starts, and the first answer after it says
//    how many failed.
//  * a TPS refusal pauses the key a second.
//  * refused credentials raise the credentials gauge and turn the key to
//    probing: one call at a time, one a minute, until an answer (verdict
//    answered or rejected) shows that the provider accepts the keys again.
//    Waiting blindly would learn nothing; calling at full rate would only
//    collect refusals.
//
// eSMS 101 about one message (CallVerdict::credentials_or_unknown_id) may mean
// wrong keys or an id eSMS does not know, and a wrong guess either way is
// costly: taken as the keys, one unknown id stops the account's polling;
// taken as the id, wrong keys are never reported. So:
//  * each such 101 is about its message (which backs off on its own schedule
//    while the key goes on) until credentials_evidence different ids have
//    answered it in a row with no answer since;
//  * then, if the key has had an answer before, the keys are checked: the
//    call last answered is made again, alone and at once. An answer means
//    the keys work and the 101s were about their messages; a 101 to a
//    message the provider answered about a moment ago means the keys. Unknown
//    ids that come due together (a batch sent at once) thus cost one call,
//    not an alert and a minute. With no answer to go back to, the evidence
//    stands alone and the keys are taken to be refused at once.
//  * an id whose 101 was followed by an answer (the keys worked after it) is
//    an id eSMS does not know: its later 101s are no evidence, and asking
//    about it makes a useless probe.
//
// Pure: the caller passes the time and the call, and acts on the Step it gets
// back.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "deliveryd/reconcile/call_outcome.hpp"
#include "deliveryd/reconcile/planned_call.hpp"

namespace deliveryd::reconcile {

class KeyHealth {
  public:
    using Clock = std::chrono::steady_clock;

    // Different messages that must answer 101 in a row before the keys are
    // doubted. One is a message eSMS does not know; two in a row happen when
    // a few such messages come due together; with wrong keys every call
    // answers 101, so waiting for a third costs two calls and two messages
    // one step of their schedule, which is cheap next to stopping the
    // account's polling for an id.
    static constexpr std::size_t credentials_evidence = 3;
    // While the keys are refused: one call a minute tells when they work
    // again, at a cost the provider will not notice.
    static constexpr auto probe_interval = std::chrono::minutes(1);
    static constexpr auto tps_pause = std::chrono::seconds(1);
    static constexpr auto log_interval = std::chrono::minutes(1);
    // Ids known to answer 101 about themselves are remembered up to this many
    // (then the oldest is forgotten: at worst its next 101 counts as evidence
    // once more).
    static constexpr std::size_t remembered_unknown_ids = 10'000;

    enum class Log {
        none,
        recovered,    // answering again after `failures` failed calls
        credentials,  // the provider refuses the account's credentials
        failure,      // a call failed, `failures` in a row so far
        checking,     // `evidence` ids answered 101 in a row: checking the keys
        checked,      // the keys work: those 101s were about their messages
    };

    // What to do after a verdict.
    struct Step {
        // The rows asked about were answered: they count a poll and back off
        // on their schedule. Otherwise they are retried soon, their schedule
        // untouched.
        bool answered = false;
        std::optional<Clock::time_point> hold_until;  // pause the key's limiter until then
        std::optional<bool> credentials_failing;      // the gauge's new value, when it changed
        Log log = Log::none;
        int failures = 0;
        // credentials_or_unknown_id: different ids that answered 101 in a row
        // so far (0 when the id was already known not to count).
        std::size_t evidence = 0;
    };

    Step record(CallVerdict verdict, Clock::time_point now, const PlannedCall& call = {});

    // While the keys are in doubt (checked or refused): the earliest time the
    // next call, a probe, may leave; the caller sends it alone, after the
    // previous call's answer. nullopt while the keys are not in doubt.
    [[nodiscard]] std::optional<Clock::time_point> next_probe_at() const noexcept;

    // While the keys are checked: the call to make again (the one last
    // answered), instead of a queued one. nullptr otherwise.
    [[nodiscard]] const PlannedCall* check_call() const noexcept;

    // Whether a call about `sms_ids` can tell that the keys work again:
    // false for one id that answered 101 in the current streak or is known
    // to answer 101 about itself.
    [[nodiscard]] bool worth_probing(std::span<const std::string> sms_ids) const;

    // Failed calls since the last answer.
    [[nodiscard]] int consecutive_failures() const noexcept { return consecutive_failures_; }
    [[nodiscard]] bool credentials_failing() const noexcept { return credentials_failing_; }

  private:
    // Lets the id sets be searched with a string_view.
    struct IdHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view id) const noexcept {
            return std::hash<std::string_view>{}(id);
        }
    };

    void answered(Step& step, CallVerdict verdict, const PlannedCall& call);
    void refused(Step& step, Clock::time_point now, std::string_view sms_id);
    void failed(Step& step, CallVerdict verdict, Clock::time_point now);
    // Raises the gauge (when down) and schedules the next probe.
    void doubt_credentials(Step& step, Clock::time_point now);
    void remember_unknown(std::string sms_id);
    [[nodiscard]] bool known_unknown(std::string_view sms_id) const;
    [[nodiscard]] bool in_streak(std::string_view sms_id) const;
    [[nodiscard]] bool is_check(std::string_view sms_id) const;
    // Whether a failure at `now` is logged, and if so, notes that it was.
    bool admit_failure_log(Clock::time_point now);

    int consecutive_failures_ = 0;
    bool credentials_failing_ = false;
    Clock::time_point next_probe_at_{};
    std::optional<Clock::time_point> checking_since_;
    std::optional<Clock::time_point> last_failure_log_;
    // The last call about one message that was answered: what a check asks.
    std::optional<PlannedCall> last_answered_;
    // Different ids that answered 101 since the last answer, in order.
    std::vector<std::string> streak_;
    // Ids whose 101 was followed by an answer; oldest first in the deque.
    std::unordered_set<std::string, IdHash, std::equal_to<>> unknown_ids_;
    std::deque<std::string> unknown_order_;
};

// Writes the log line a Step asks for. `name` says which key ("account
// endpoint"); `outcome` is the call's.
void log_step(const KeyHealth::Step& step, std::string_view name, const CallOutcome& outcome);

}  // namespace deliveryd::reconcile
