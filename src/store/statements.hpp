// Every SQL statement deliveryd runs on the hot paths, prepared by name on
// each new connection (STYLE 11). Private to store/.
#pragma once

namespace pqxx {
class connection_base;
}

namespace deliveryd::store::statements {

// Names to pass to exec_prepared.
inline constexpr const char* read_rows = "deliveryd_read_rows";
inline constexpr const char* lock_rows = "deliveryd_lock_rows";
inline constexpr const char* find_row = "deliveryd_find_row";
inline constexpr const char* write_batch = "deliveryd_write_batch";

// The columns of a State as a SELECT list, in read_state()'s order: for
// statements elsewhere in store/ that return rows (RETURNING, SELECT).
[[nodiscard]] const char* state_columns() noexcept;

// Registers every statement above on a fresh connection.
void prepare_all(pqxx::connection_base& connection);

}  // namespace deliveryd::store::statements
