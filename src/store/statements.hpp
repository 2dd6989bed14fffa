// Every SQL statement deliveryd runs on the hot paths, prepared by name on
// each new connection. Private to store/.
#pragma once

#include <string>
#include <string_view>

namespace pqxx {
class connection_base;
}

namespace deliveryd::store::statements {

// Names to pass to exec_prepared.
inline constexpr const char* read_rows = "deliveryd_read_rows";
inline constexpr const char* lock_rows = "deliveryd_lock_rows";
inline constexpr const char* find_row = "deliveryd_find_row";
inline constexpr const char* write_batch = "deliveryd_write_batch";
inline constexpr const char* create_rows = "deliveryd_create_rows";
inline constexpr const char* insert_rows = "deliveryd_insert_rows";

// The columns of a State as a SELECT list, in read_state()'s order: for
// statements elsewhere in store/ that return rows (RETURNING, SELECT). It
// selects columns::state, so a column selected after it is at
// after_state_column (state_rows.hpp).
[[nodiscard]] const char* state_columns();

// The columns of a delivery_event row as a SELECT list, in read_event()'s order.
[[nodiscard]] const char* event_columns();

// The text of a statement above, by its name (for tests).
[[nodiscard]] const std::string& text_of(std::string_view name);

// Registers every statement above on a fresh connection.
void prepare_all(pqxx::connection_base& connection);

}  // namespace deliveryd::store::statements
