// Converts between core::State / core::Observation and the column arrays of
// the prepared statements in statements.cpp. Private to store/.
#pragma once

#include <span>
#include <string>
#include <vector>

#include <pqxx/row>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/state.hpp"

#include "store/columns.hpp"
#include "store/pg_binary_array.hpp"

namespace deliveryd::store {

// One field of a result row as its text, or NULL: what the readers below
// take, so that a test can hand them a row without a database.
struct FieldText {
    const char* text = "";
    bool null = true;
};

// A row of statements::read_rows, lock_rows or find_row, or of any statement
// that selects statements::state_columns() first.
[[nodiscard]] core::State read_state(const pqxx::row& row);
// The same from the fields of columns::state, in its order.
[[nodiscard]] core::State read_state(std::span<const FieldText> fields);

// A row that selects statements::event_columns() first, as the Observation it
// logged. The event log does not keep the provider: it is `provider`.
[[nodiscard]] core::Observation read_event(const pqxx::row& row, core::Provider provider);
[[nodiscard]] core::Observation read_event(std::span<const FieldText> fields,
                                           core::Provider provider);

// The first column a statement selects after statements::state_columns():
// the State's column count.
inline constexpr int after_state_column = static_cast<int>(columns::state.size());

// The column of read_rows and lock_rows after the State's: the row's version.
inline constexpr int row_version_column = after_state_column;

// The row parameters of statements::write_batch for these rows, in order:
// one array per column of columns::state that write_batch writes (every
// column but the kept ones), $1 onwards.
[[nodiscard]] BinaryParams write_rows_params(const std::vector<const core::State*>& rows);

// The event parameters of statements::write_batch for these observations:
// one array per column of columns::event, after the rows' parameters and
// their versions.
[[nodiscard]] BinaryParams append_events_params(std::span<const core::Observation> observations);

}  // namespace deliveryd::store
