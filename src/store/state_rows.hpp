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

// A row of statements::lock_rows.
[[nodiscard]] core::State read_state(const pqxx::row& row);

// The parameters of statements::write_rows for these rows, in order.
[[nodiscard]] std::vector<std::string> write_rows_params(
    const std::vector<const core::State*>& rows);

// The parameters of statements::append_events for these observations.
[[nodiscard]] std::vector<std::string> append_events_params(
    std::span<const core::Observation> observations);

}  // namespace deliveryd::store
