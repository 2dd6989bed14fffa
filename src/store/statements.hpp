// Every SQL statement deliveryd runs on the hot paths, prepared by name on
// each new connection (STYLE 11). Private to store/.
#pragma once

namespace pqxx {
class connection_base;
}

namespace deliveryd::store::statements {

// Names to pass to exec_prepared.
inline constexpr const char* create_missing_rows = "deliveryd_create_missing_rows";
inline constexpr const char* lock_rows = "deliveryd_lock_rows";
inline constexpr const char* find_row = "deliveryd_find_row";
inline constexpr const char* write_rows = "deliveryd_write_rows";
inline constexpr const char* append_events = "deliveryd_append_events";

// Registers every statement above on a fresh connection.
void prepare_all(pqxx::connection_base& connection);

}  // namespace deliveryd::store::statements
