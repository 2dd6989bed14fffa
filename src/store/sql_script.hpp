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

// A `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON table ...`
// statement in its parts, so that the same index can be built on each
// partition of a partitioned table: PostgreSQL 15 builds none on a
// partitioned table CONCURRENTLY. Names are as written (quoted or not).
struct ConcurrentIndex {
    std::string name;
    std::string table;
    // What follows the table: the method, the keys, INCLUDE, WHERE.
    std::string definition;
    bool unique = false;
};

// The parts of a concurrent index build, or nullopt for any other statement
// (and for one without an index name: PostgreSQL would pick it).
[[nodiscard]] std::optional<ConcurrentIndex> concurrent_index(std::string_view statement);

// `CREATE INDEX CONCURRENTLY name ON table` with the index's definition;
// the name and the table go into the statement as they are (quoted or not).
[[nodiscard]] std::string concurrent_build(const ConcurrentIndex& index);

// `CREATE INDEX name ON ONLY table` with the index's definition: the
// partitioned table's own index, invalid until an index of each partition is
// attached to it.
[[nodiscard]] std::string partitioned_parent_build(const ConcurrentIndex& index);

// True for a statement that PostgreSQL runs CONCURRENTLY (an index built,
// dropped or rebuilt without blocking writes).
[[nodiscard]] bool runs_concurrently(std::string_view statement);

}  // namespace deliveryd::store
