// Folds one batch of Observations into the rows they are about, in batch
// order, with core::merge: the part of StatusStore::apply that needs no
// database. Private to store/.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/state.hpp"
#include "deliveryd/store/status_store.hpp"

namespace deliveryd::store {

// Rows keyed by sms_id; iteration is in key order.
using RowsById = std::map<std::string, core::State, std::less<>>;

struct MergedBatch {
    std::vector<ApplyOutcome> outcomes;  // one per observation, in batch order
    std::vector<RowLabels> labels;       // one per observation, in batch order
    RowsById created;                    // ids that had no row: the rows to insert
    RowsById changed;                    // existing rows the batch changed, merged
    // The new state of each row whose state label changed, created rows
    // included, in key order (created first): ApplyResult::entered.
    std::vector<core::StateLabel> entered;
};

// `existing` holds the batch's rows that exist (locked by the caller). An id
// without a row starts from what creating it with only its id and the
// provider of its first report would give (every other column at its
// default), so inserting the merged row ends exactly where "create, then
// merge" would.
[[nodiscard]] MergedBatch merge_batch(std::span<const core::Observation> batch, RowsById existing);

// Closes the window of each row in `existing` named by `closes` with
// core::close_window; rows it changes go to `changed`. Ids without a row are
// skipped (nothing is created); `outcomes` and `labels` stay empty.
[[nodiscard]] MergedBatch close_batch(std::span<const WindowClose> closes, RowsById existing);

}  // namespace deliveryd::store
