// The one rule that folds status reports into the canonical row. Callbacks,
// poll answers and `deliveryd rebuild` all go through it, so a row never
// depends on which way its reports came.
//
// merge() is a join: idempotent (merging a report twice = once), commutative
// and associative over Observations and close_window() calls. Whatever order
// callbacks, poll answers and window closes arrive in, duplicated or regrouped,
// the row ends the same. Each field is its own small lattice:
//
//  * state: the greatest label reported, by progress_rank():
//      submitted < pending_approval < waiting < sent_to_telco < sent
//                < rejected < failed < delivered
//    (the final outcomes order by how far the message is known to have got:
//    rejected at eSMS's approval, failed at the telco or Zalo, delivered on
//    the handset; a handset receipt is the strongest evidence there is).
//    An Observation labelled `expired` counts as `submitted`.
//  * state_at / state_source / error_code / error_message: taken from the
//    "winning" report of that label: the earliest observed_at, then the
//    lowest Source (callback first), then the smaller error_code, then the
//    smaller error_message (nullopt first). Errors thus come with the outcome.
//    A report's error code 0 (success) is no error: it leaves both null.
//  * the counts (send_status, send_success, send_failed, total_receiver,
//    total_sent, total_price) come together from one report, never mixed:
//    among the reports that carry any of them, the one whose own label ranks
//    highest, then that counted the most outcomes (success + failed), then
//    the earliest by its time (the provider's stamp, else receive time), then
//    the lowest Source, then the greater numbers. A report without counts (a
//    handset receipt from GetZaloMessageStatus) leaves them as they are.
//    counts_state / counts_at / counts_source keep the chosen report's place.
//    A negative count is read as absent.
//  * counters used to be each its own maximum; rows stored that way (counts
//    without counts_state) are read as counts of the label's deciding report.
//  * zalo_status: the furthest known (-1 < 0 < 1), values of unknown meaning
//    below them all. fallback_sms_status / fallback_sms_at: together, from the
//    report with the latest fallback time, then the greater text.
//  * telco_id, type_id and the identity texts (oa_id, phone, zalo_user_id,
//    request_id, partner_id, template_id): the maximum; a value beats null;
//    two different texts resolve to the byte-wise greater one. provider:
//    etelecom beats esms.
//  * delivered_at, window_closed_at: the earliest.
//
// Derived fields, recomputed from the above on every call:
//  * window closed and no label beyond `submitted` -> state `expired`,
//    is_final, resolved_by poll, final_at = window_closed_at. A later real
//    report replaces `expired` (the label is still the greatest one reported).
//  * the label is final by itself (is_final_label) -> is_final, final_at =
//    state_at, resolved_by = resolver_of(state_source).
//  * otherwise, window closed -> is_final with the label kept as it is (a ZNS
//    `sent`, or a row stuck in pending_approval / waiting / sent_to_telco: the
//    provider can no longer be asked, so the last known status is the answer).
//    Whichever came last made the row final: the window (final_at =
//    window_closed_at, resolved_by poll), or a report observed after it
//    (final_at = state_at, resolved_by its source).
//  * otherwise not final; final_at and resolved_by null.
//
// merge() never touches sms_id (unless empty), account, submitted_at,
// updated_at, poll_attempts or next_poll_at. All functions are pure.
#pragma once

#include "deliveryd/core/channel.hpp"
#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/state.hpp"
#include "deliveryd/core/status.hpp"

namespace deliveryd::core {

// Position in the label order above (expired ranks with submitted: it is the
// absence of a report, not a report).
[[nodiscard]] int progress_rank(StateLabel label) noexcept;

// Final without the window's help: SMS at `sent` or any final outcome; ZNS
// only at delivered, failed or rejected. `expired` is final on both.
[[nodiscard]] bool is_final_label(StateLabel label, Channel channel) noexcept;

// callback -> Resolver::callback, every polled source -> Resolver::poll.
[[nodiscard]] Resolver resolver_of(Source source) noexcept;

// Folds one report into the row. Precondition: the ids match (or the row's
// sms_id is empty, and then takes the report's); a report about another
// message is ignored and the row returned unchanged (normalised).
[[nodiscard]] State merge(State state, const Observation& observation);

// merge(), in place: `state` becomes merge(state, observation). A State is
// large, and a batch of new rows merges each without a copy.
void merge_into(State& state, const Observation& observation);

// The join of two rows about the same message: merge(a, o) == join(a, lift(o)).
// Bookkeeping fields (account, submitted_at, updated_at, poll_attempts,
// next_poll_at) come from `left`; everything else as described above.
[[nodiscard]] State join(State left, const State& right);

// The polling window ended at `at` (the earliest of several closes counts).
[[nodiscard]] State close_window(State state, Timestamp at);

// The row an Observation alone would give: its fields, with it as the winner.
[[nodiscard]] State lift(const Observation& observation);

// Recomputes the derived fields (state expired/label, is_final, final_at,
// resolved_by, window_closed) from the lattice fields; merge, join and
// close_window return normalised rows, so this is for rows read from storage.
[[nodiscard]] State normalized(State state);

}  // namespace deliveryd::core
