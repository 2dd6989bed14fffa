// Which status call answers each claimed row.
// Pure: rows in, a plan of calls out. The scheduler sends each PlannedCall
// through the limiter of key_of(call) and has its source read the answer.
//
// Rules, per row, in this order:
//  1. the same sms_id earlier in the batch          -> unplannable: duplicate
//  2. is_final (nothing left to learn)              -> unplannable: already_final
//  3. no source of the row's provider is configured for its account
//     (rate_account)                                -> unplannable: etelecom_not_configured
//                                                      or account_not_configured
//  4. the configured sources of its provider, in the targets' order
//     (status_sources() order): the first whose place() gives a Slot that
//     is not a second choice takes the row. A second choice is remembered
//     (the first one) and the next sources are asked; it takes the row when
//     none of them does. A Refusal ends the search: the remembered second
//     choice takes the row, or else it is unplannable with the refusal's
//     reason. NotMine passes it on. No source takes it
//                                               -> unplannable: no_source
// A source that carries one id per call gets one call per row. A source of
// more ids per call gets the rows of one (account, Slot::group) gathered in
// row order and cut into calls of ids_per_call(). The planner does not look
// at time: the scheduler closes rows whose window has ended before planning.
//
// Order: calls of one key appear in the order of their first row (claims come
// oldest-due first); calls of several ids follow the calls of one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/state.hpp"
#include "deliveryd/reconcile/planned_call.hpp"
#include "deliveryd/reconcile/settings.hpp"

namespace deliveryd::reconcile {

// A source, with the accounts the configuration lets it be asked under.
struct TargetSource {
    const StatusSource* source = nullptr;
    std::vector<std::string> accounts;  // rate_account() names
};

// What the configuration lets deliveryd call (configured.hpp builds it),
// in the order rows are offered to the sources.
struct PlanTargets {
    std::vector<TargetSource> sources;
    ScheduleSettings schedule;  // what the sources' place() reads
};

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

// The ids a call of several ids asked about that its answer did not return,
// in the order asked, each once (GetCallback leaves out the ids it holds no
// callback for; those rows go back on the backoff schedule like any answered
// poll). Returned ids that were not asked about are ignored here.
[[nodiscard]] std::vector<std::string> missing_ids(std::span<const std::string> asked,
                                                   std::span<const std::string> returned);
[[nodiscard]] std::vector<std::string> missing_ids(std::span<const std::string> asked,
                                                   std::span<const core::Observation> returned);

}  // namespace deliveryd::reconcile
