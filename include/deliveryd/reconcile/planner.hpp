// Which status call answers each claimed row.
// Pure: rows in, a plan of calls out. The scheduler builds the HTTP requests
// with the provider builders (providers::esms::build_get_callback_requests and
// friends) from each PlannedCall, sends them through the limiter of
// key_of(call), and turns the answers into Observations.
//
// Rules, per row, in this order:
//  1. the same sms_id earlier in the batch          -> unplannable: duplicate
//  2. is_final (nothing left to learn)              -> unplannable: already_final
//  3. provider etelecom:
//       no etelecom section in the config           -> unplannable: etelecom_not_configured
//       no oa_id (GetMessage's body is {oa_id, msg_id}) -> unplannable: missing_oa_id
//       otherwise one GetMessage, account etelecom_account, msg_id = partner_id
//       when known, else sms_id. eTelecom looks messages up by Zalo's msg_id:
//       the sender registers the row under the msg_id SendZNS returned, and
//       every GetMessage answer stores msg_id as partner_id, so partner_id,
//       once known, is the provider's own word for it. The row's account is
//       not used: eTelecom has one configuration.
//  4. provider esms:
//       account not among the configured accounts   -> unplannable: account_not_configured
//       sms_id that eSMS cannot have issued (providers::esms::sms_id_problem)
//                                                   -> unplannable: invalid_sms_id
//       ZNS (core::is_zns) without oa_id            -> unplannable: missing_oa_id
//       ZNS with a partner id and state `sent`      -> GetZaloMessageStatus
//                                                      (message_id = partner id, oa_id)
//       other ZNS (no partner id yet, or not yet `sent`) -> GetCallback, grouped by
//                                                      (account, oa_id), <= 200 ids per call
//       SMS / Viber                                 -> GetSendStatus
// An empty oa_id or partner_id counts as absent. The planner does not look at
// time: the scheduler closes rows whose window has ended before planning.
//
// Order: calls of one key appear in the order of their first row (claims come
// oldest-due first); a GetCallback group is cut into chunks of 200 in row order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/state.hpp"
#include "deliveryd/reconcile/endpoint.hpp"

namespace deliveryd::reconcile {

// What the configuration lets deliveryd call (configured.hpp builds it).
struct PlanTargets {
    std::vector<std::string> esms_accounts;  // names of configured eSMS accounts
    bool etelecom = false;                   // an etelecom section is present
};

struct PlannedCall {
    Endpoint endpoint = Endpoint::get_callback;
    std::string account;     // eSMS account name, or etelecom_account
    std::string oa_id;       // get_callback, zalo_status, etelecom_get_message; else empty
    std::string message_id;  // zalo_status: partner id; etelecom_get_message: msg_id; else empty
    // The rows this call answers for, in row order: one, or up to 200 for
    // get_callback. For get_callback these are the ids sent (ListRefid).
    std::vector<std::string> sms_ids;

    friend bool operator==(const PlannedCall&, const PlannedCall&) = default;
};

[[nodiscard]] inline LimiterKey key_of(const PlannedCall& call) {
    return LimiterKey{call.account, call.endpoint};
}

enum class UnplannableReason : std::uint8_t {
    duplicate,                // the same sms_id earlier in the batch: planned once
    already_final,            // is_final: no call can change the outcome's finality
    account_not_configured,   // eSMS row whose account has no credentials
    etelecom_not_configured,  // eTelecom row, and no etelecom section
    missing_oa_id,            // ZNS row without the OA id its call needs
    invalid_sms_id,           // eSMS could not have issued this id
};

// "duplicate", "already_final", ...: for logs and a metric label.
[[nodiscard]] std::string_view to_string(UnplannableReason reason) noexcept;

struct Unplannable {
    std::string sms_id;
    UnplannableReason reason = UnplannableReason::duplicate;
    std::string detail;  // e.g. the unknown account's name, or what is wrong with the id

    friend bool operator==(const Unplannable&, const Unplannable&) = default;
};

struct Plan {
    std::vector<PlannedCall> calls;
    std::vector<Unplannable> unplannable;  // in row order; every row is in one of the two lists
};

[[nodiscard]] Plan plan_calls(std::span<const core::State> rows, const PlanTargets& targets);

// The ids a GetCallback call asked about that its answer did not return, in
// the order asked, each once. eSMS simply leaves out ids it holds no callback
// for; those rows go back on the backoff schedule like any answered poll.
// Returned ids that were not asked about are ignored here.
[[nodiscard]] std::vector<std::string> missing_ids(std::span<const std::string> asked,
                                                   std::span<const std::string> returned);
[[nodiscard]] std::vector<std::string> missing_ids(std::span<const std::string> asked,
                                                   std::span<const core::Observation> returned);

}  // namespace deliveryd::reconcile
