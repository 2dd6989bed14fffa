// Schema migrations: the numbered files of sql/, compiled into the binary.
// `deliveryd migrate` applies the pending ones in order, each in its own
// transaction, under an advisory lock so replicas running it at once are safe;
// a second run does nothing. A migration whose first line is
// `-- deliveryd: no transaction` runs one statement at a time instead, so
// that it can build indexes CONCURRENTLY (see store/sql_script.hpp); it is
// recorded once every statement has run, and runs again from the start if
// it was interrupted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pqxx {
class connection_base;  // libpqxx 6: the base of every connection type
}

namespace deliveryd::store {

struct MigrationSource {
    std::string_view name;  // file name without .sql, e.g. "001_initial"
    std::string_view sql;
};

// Every migration of sql/, in version order.
[[nodiscard]] const std::vector<MigrationSource>& embedded_migrations();

struct MigrationResult {
    std::vector<std::string> applied;  // names applied by this call, in order
    int version = 0;                   // the schema version afterwards
};

// Connects to `url` and applies what is pending. Throws DatabaseUnavailable
// when the database cannot be reached and DatabaseError when a migration
// fails (its transaction is rolled back; a migration run outside a
// transaction keeps the statements that ran, and the next run repeats them)
// or an applied migration's text no longer matches the file (someone edited
// history).
[[nodiscard]] MigrationResult migrate(
    const std::string& url, const std::vector<MigrationSource>& migrations = embedded_migrations());

// True when every migration this binary knows is applied (a newer schema from
// a newer release is fine: migrations only add).
[[nodiscard]] bool schema_is_current(
    pqxx::connection_base& connection,
    const std::vector<MigrationSource>& migrations = embedded_migrations());

}  // namespace deliveryd::store
