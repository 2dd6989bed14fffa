// A migration file as statements, and what the migration runner needs to
// know about them. Pure text work: no database. Private to store/.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deliveryd::store {

// The first line of a migration that must run outside a transaction, one
// statement at a time (CREATE INDEX CONCURRENTLY cannot run inside one).
inline constexpr std::string_view no_transaction_marker = "-- deliveryd: no transaction";

[[nodiscard]] bool runs_outside_a_transaction(std::string_view script);

// The script's statements, each without its terminating semicolon and
// trimmed; empty ones and comments alone are left out. A semicolon inside a
// quoted string, a quoted name, a dollar-quoted body or a comment does not
// end a statement. Throws std::invalid_argument when a quote or comment is
// left open.
[[nodiscard]] std::vector<std::string> split_statements(std::string_view script);

// The name of the index a `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT
// EXISTS] name ON ...` statement builds (unquoted, as written), or nullopt
// for any other statement.
[[nodiscard]] std::optional<std::string> concurrent_index_name(std::string_view statement);

}  // namespace deliveryd::store
