// Converts between core::State / core::Observation and the column arrays of
// the prepared statements in statements.cpp. Private to store/.
#pragma once

#include <span>
#include <string>
#include <vector>

#include <pqxx/row>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/state.hpp"

namespace deliveryd::store {

// A row of statements::read_rows, lock_rows or find_row.
[[nodiscard]] core::State read_state(const pqxx::row& row);

// The column of read_rows and lock_rows after the State's: the row's version.
inline constexpr int row_version_column = 33;

// The row columns of statements::write_batch ($1 to $28) for these rows, in order.
[[nodiscard]] std::vector<std::string> write_rows_params(
    const std::vector<const core::State*>& rows);

// The event columns of statements::write_batch ($30 to $52) for these observations.
[[nodiscard]] std::vector<std::string> append_events_params(
    std::span<const core::Observation> observations);

}  // namespace deliveryd::store
