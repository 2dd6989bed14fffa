// The canonical status table (delivery_state) and its event log
// (delivery_event): applies batches of Observations, from callbacks and polls
// alike, with the one merge rule of core/merge.hpp.
//
// Blocking: call from a thread that may block. Thread-safe: each call takes
// its own pooled connection, and concurrent batches over the same messages
// serialise on row locks taken in key order, so they never deadlock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/state.hpp"
#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/insert_optimism.hpp"
#include "deliveryd/store/reschedule.hpp"

namespace deliveryd::store {

// What one observation did to its row.
enum class ApplyOutcome : std::uint8_t {
    created,    // no row existed: the report created it
    changed,    // the merge changed the row
    unchanged,  // nothing new (a duplicate, or older news): only logged as an event
};

// The state label of an observation's row just before and just after the
// observation was merged into it (a row it created starts as a new row's).
struct RowLabels {
    core::StateLabel before = core::StateLabel::submitted;
    core::StateLabel after = core::StateLabel::submitted;
};

struct ApplyResult {
    std::vector<ApplyOutcome> outcomes;  // one per observation, in batch order
    std::size_t rows_written = 0;        // rows created or changed
    // The new state of every row whose state label the batch changed, created
    // rows included: what "messages entering each state" counts.
    std::vector<core::StateLabel> entered;
    // One per observation, in batch order (empty for close_windows): what
    // part_of() needs to tell the states each part of the batch entered.
    std::vector<RowLabels> labels;
};

// What applying only batch[first, first + count) would have returned had
// batch[0, first) been committed just before it, from the result of applying
// the whole batch: its outcomes, the rows it created or changed, the states
// it entered (in apply()'s order) and its labels. One transaction can thus
// carry reports that are counted apart (callbacks, poll answers) and count
// exactly as if each had committed on its own, in batch order.
[[nodiscard]] ApplyResult part_of(std::span<const core::Observation> batch,
                                  const ApplyResult& whole, std::size_t first, std::size_t count);

// The polling window of a row ended at `at` (core::close_window).
struct WindowClose {
    std::string sms_id;
    core::Timestamp at;
};

class StatusStore {
  public:
    explicit StatusStore(ConnectionPool& pool) : pool_(pool) {}

    // Reads the batch's rows, merges every observation in batch order, and
    // writes the result in one transaction: the rows the batch's ids lacked
    // are inserted already merged, the rows it changed are locked in key
    // order and written back, and every observation is appended to
    // delivery_event. If a row it changed was changed by someone else since
    // it was read, or one it would create was created, nothing is written
    // and the batch starts over, locking what it reads. When most ids of
    // recent batches were new, it inserts the new rows first instead, in
    // their own transaction, and then merges the reports of the ids that
    // existed as above (each report's row and event still commit together).
    // When this returns, the batch is committed.
    //
    // Throws DatabaseUnavailable when the database cannot be reached or the
    // transaction failed for a retryable reason: nothing was committed, or
    // (connection lost during COMMIT) it may have been; applying the batch
    // again is safe because merge is idempotent (the event log then holds
    // the reports twice). Throws DatabaseError for anything else.
    [[nodiscard]] ApplyResult apply(std::span<const core::Observation> batch);

    // apply(batch), and in the same transaction, after the merge, what
    // PollStore::reschedule(reschedules) does: a poll answer and its rows'
    // next polls commit together or not at all, and a row the answer made
    // final gets no next poll. To keep every row locked in key order with
    // another transaction in the middle of it, this one locks the rows of
    // both (those that exist) in key order before reading them, rather than
    // reading first; a rescheduled row that it neither locked nor created
    // (one that no longer existed when it locked) is skipped. Throws like
    // apply().
    [[nodiscard]] ApplyResult apply(std::span<const core::Observation> batch,
                                    std::span<const Reschedule> reschedules);

    // Closes the polling window of these rows with core::close_window, in one
    // transaction like apply() (a row with no status becomes `expired`, a
    // ZNS still `sent` becomes final). Ids without a row are skipped; no
    // event is logged (a window closing is not a report). `outcomes` stays
    // empty. Throws like apply().
    ApplyResult close_windows(std::span<const WindowClose> closes);

    // The stored row, or nullopt.
    [[nodiscard]] std::optional<core::State> find(const std::string& sms_id);

  private:
    ConnectionPool& pool_;
    // The share of new ids among recent batches' ids, in thousandths: from
    // half on, apply() inserts a batch's rows first and merges only the
    // reports of ids that turn out to exist (one statement for a batch of
    // new messages, as when the provider reports messages no sender
    // registered); below it, it reads the rows first (one read and one
    // write for a batch of registered messages).
    std::atomic<int> new_ids_permille_{500};
    // Whether such a batch of new ids is inserted without ON CONFLICT.
    InsertOptimism insert_optimism_;
};

}  // namespace deliveryd::store
