// The one way rows are written back after merging: read them with their
// versions, fold, and write the result with statements::write_batch, which
// writes nothing if a row changed since it was read. Private to store/.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/transaction_base>

#include "deliveryd/store/status_store.hpp"

#include "store/batch_merge.hpp"
#include "store/pg_binary_array.hpp"
#include "store/pg_connection.hpp"

namespace deliveryd::store {

using Fold = std::function<MergedBatch(RowsById existing)>;

// Reads the rows of `ids` (a text[] parameter, in key order) with
// `read_statement` (statements::read_rows or, locking, lock_rows), folds them
// and writes what the fold created or changed, with `events`
// (append_events_params()). The result, or nullopt when a row changed since
// it was read (nothing was written).
[[nodiscard]] std::optional<ApplyResult> read_merge_write(
    PgConnection& c, pqxx::transaction_base& tx, const char* read_statement,
    const pqxx::binarystring& ids, const Fold& fold, const BinaryParams& events);

}  // namespace deliveryd::store
