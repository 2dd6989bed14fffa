// A status source: one provider endpoint that deliveryd asks about messages
// (eSMS GetCallback, GetZaloMessageStatus, GetSendStatus, eTelecom
// GetMessage), described in one place: which rows it answers, how many ids
// one call carries and what they share, its rate per account, how its
// request is built and how its answer is read and classed. The planner, the
// claim lanes' keys, the claim sizing, the scheduler, the metric labels and
// `deliveryd status` read these descriptions instead of naming endpoints.
//
// Adding an endpoint is one more StatusSource (a file of its own under
// src/reconcile/sources/, over the provider's request builder and parser in
// providers/) and one entry in status_sources().
//
// Implementations are immutable and thread-safe; status_sources() lives for
// the whole program.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "deliveryd/core/state.hpp"
#include "deliveryd/providers/http_request.hpp"
#include "deliveryd/reconcile/call_outcome.hpp"
#include "deliveryd/reconcile/planned_call.hpp"
#include "deliveryd/reconcile/settings.hpp"
#include "deliveryd/store/poll_store.hpp"

namespace deliveryd::reconcile {

// eTelecom has one configuration (one API key), not named accounts: its calls
// are keyed by this name. It cannot clash with an eSMS account of the same
// name because the source is part of every key.
inline constexpr std::string_view etelecom_account = "etelecom";

// The account a row's calls are limited under: its eSMS account, or
// etelecom_account.
[[nodiscard]] std::string rate_account(const core::State& row);
// The account a polling scope's keys are limited under.
[[nodiscard]] std::string rate_account(const store::PollScope& scope);

// A source takes the row: what its call needs besides the sms_id.
struct Slot {
    std::string group;       // PlannedCall::group
    std::string message_id;  // PlannedCall::message_id
    // The source can answer the row but another is better at it: a later
    // source in status_sources() that takes the row is preferred, and this
    // one takes it only when none does (for instance when the better one is
    // turned off for the row's account).
    bool second_choice = false;
};

// A source would answer rows like this one, but this row lacks what the
// call needs (an OA id, an id the provider could have issued).
struct Refusal {
    UnplannableReason reason = UnplannableReason::no_source;
    std::string detail;
};

// Not this source's row: the planner tries the next one.
struct NotMine {};

using Placement = std::variant<NotMine, Slot, Refusal>;

class StatusSource {
  public:
    virtual ~StatusSource() = default;

    // "get_callback", "zalo_status", ...: the metric label `endpoint`, the
    // activity table's endpoint column, and logs. Stable.
    [[nodiscard]] virtual std::string_view name() const noexcept = 0;

    // Whose rows it answers, and the claim lane they are claimed in (one
    // lane's backlog never starves another's keys).
    [[nodiscard]] virtual core::Provider provider() const noexcept = 0;
    [[nodiscard]] virtual store::ClaimLane lane() const noexcept = 0;

    // A listing answers no row through the planner (place() is NotMine for
    // every row): the scheduler sweeps backlogs with it, page after page
    // (sweep_rules.hpp).
    [[nodiscard]] virtual bool is_listing() const noexcept { return false; }

    // Ids one full call carries. Above 1, the planner groups rows by
    // Slot::group and the scheduler holds a partial call back for a tick or
    // two to fill it, since the provider's limit counts calls.
    [[nodiscard]] virtual std::size_t ids_per_call() const noexcept = 0;

    // Calls per second the configuration allows under `account`; nullopt
    // when the account (or the provider) is not configured for this source,
    // or its rate is 0 (turned off).
    [[nodiscard]] virtual std::optional<double> rate(const PollingSettings& settings,
                                                     std::string_view account) const = 0;

    // Whether this source answers `row` (unresolved, of this provider, and of
    // an account the source is configured for). Sources are tried in
    // status_sources() order (planner.hpp says how their answers combine).
    [[nodiscard]] virtual Placement place(const core::State& row,
                                          const ScheduleSettings& schedule) const = 0;

    // The HTTP request for `call`, with the account's credentials: holds
    // secrets, never log it. Precondition: rate(settings, call.account) has
    // a value. Throws std::out_of_range otherwise.
    [[nodiscard]] virtual providers::HttpRequest request(const PollingSettings& settings,
                                                         const PlannedCall& call) const = 0;

    // What an HTTP answer (http_status set, body read) means: the
    // observations it carries and how its code is classed (call_outcome.hpp).
    [[nodiscard]] virtual CallOutcome interpret(const PlannedCall& call, const CallAnswer& answer,
                                                core::Timestamp received_at) const = 0;
};

// A configured *_tps as rate() gives it: 0 turns the source off.
[[nodiscard]] constexpr std::optional<double> enabled_rate(double tps) noexcept {
    return tps > 0 ? std::optional(tps) : std::nullopt;
}

// Every source deliveryd can ask, in the order the planner offers them a row.
[[nodiscard]] std::span<const StatusSource* const> status_sources();

// The source of status_sources() with this name, or nullptr.
[[nodiscard]] const StatusSource* source_named(std::string_view name);

}  // namespace deliveryd::reconcile
