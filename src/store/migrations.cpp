#include "deliveryd/store/migrations.hpp"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "deliveryd/store/conninfo.hpp"
#include "deliveryd/store/errors.hpp"

#include "store/sql_script.hpp"
#include "store/translate.hpp"

namespace deliveryd::store {
namespace {

// pg_advisory_lock key for migrations: "dlvrd-mg" as eight ASCII bytes.
constexpr std::int64_t migration_lock_key = 0x646c7672642d6d67;

constexpr const char* create_history = R"sql(
CREATE TABLE IF NOT EXISTS deliveryd_schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE deliveryd_schema_migrations IS
    'Migrations of sql/ applied by deliveryd migrate, one row each.';
COMMENT ON COLUMN deliveryd_schema_migrations.version IS 'Number at the start of the file name.';
COMMENT ON COLUMN deliveryd_schema_migrations.name IS 'File name without .sql.';
COMMENT ON COLUMN deliveryd_schema_migrations.checksum IS 'FNV-1a 64 of the file text; a changed file is refused.';
COMMENT ON COLUMN deliveryd_schema_migrations.applied_at IS 'When it was applied.';
)sql";

int version_of(std::string_view name) {
    int version = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), version);
    if (ec != std::errc{} || end == name.data() || version <= 0) {
        throw DatabaseError(fmt::format("migration {} does not start with a version number", name));
    }
    return version;
}

// FNV-1a: a stable fingerprint of the text, not a security measure.
std::string checksum_of(std::string_view text) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const unsigned char c : text) {
        hash = (hash ^ c) * 0x100000001b3ULL;
    }
    return fmt::format("{:016x}", hash);
}

// version -> checksum of what the database has applied; empty when the
// history table does not exist yet.
std::map<int, std::string> applied_migrations(pqxx::connection_base& c) {
    pqxx::nontransaction tx(c);
    const auto exists =
        tx.exec("SELECT to_regclass('deliveryd_schema_migrations') IS NOT NULL")[0][0].as<bool>();
    std::map<int, std::string> applied;
    if (exists) {
        for (const auto& row :
             tx.exec("SELECT version, checksum FROM deliveryd_schema_migrations")) {
            applied.emplace(row[0].as<int>(), row[1].as<std::string>());
        }
    }
    return applied;
}

// Takes the migration lock, waiting for another process's migration to end.
// Asked again every quarter second rather than waited for in one call: a
// session blocked inside pg_advisory_lock holds a snapshot, and an index
// being built CONCURRENTLY by the holder waits for every such snapshot, so
// the two would wait for each other until the deadlock detector killed one.
void take_migration_lock(pqxx::connection_base& c) {
    pqxx::nontransaction tx(c);
    // Waiting is expected: no timeout may cancel a migration's statements (a
    // role's statement_timeout would, on managed databases).
    tx.exec("SET lock_timeout = 0");
    tx.exec("SET statement_timeout = 0");
    const auto take = fmt::format("SELECT pg_try_advisory_lock({})", migration_lock_key);
    for (bool waiting = false; !tx.exec(take)[0][0].as<bool>(); waiting = true) {
        if (!waiting) {
            spdlog::info("migrate: another process is migrating; waiting for it");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
}

enum class IndexState { absent, valid, invalid };

// An index name as PostgreSQL stores it: a quoted name as written, any other
// folded to lower case.
std::string stored_name(std::string_view written) {
    if (written.size() >= 2 && written.front() == '"' && written.back() == '"') {
        return std::string(written.substr(1, written.size() - 2));
    }
    std::string name(written);
    for (char& ch : name) {
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    return name;
}

IndexState index_state(pqxx::connection_base& c, const std::string& name) {
    pqxx::nontransaction tx(c);
    const auto rows = tx.exec_params(
        "SELECT i.indisvalid FROM pg_class AS c JOIN pg_index AS i ON i.indexrelid = c.oid "
        "WHERE c.relname = $1 AND c.relkind IN ('i', 'I') AND pg_table_is_visible(c.oid)",
        name);
    if (rows.empty()) {
        return IndexState::absent;
    }
    return rows[0][0].as<bool>() ? IndexState::valid : IndexState::invalid;
}

constexpr int index_build_attempts = 3;

// Builds an index CONCURRENTLY (writes go on meanwhile). A build that was
// interrupted (a crash, a cancel, a deadlock, a failed unique check) leaves
// an invalid index behind that PostgreSQL keeps up to date but never reads:
// it is dropped and built again. An index that is valid already was built by
// an earlier run of this migration and is kept.
void build_index_concurrently(pqxx::connection_base& c, const std::string& migration,
                              std::string_view written_name, const std::string& statement) {
    const auto name = stored_name(written_name);
    for (int attempt = 1;; ++attempt) {
        const auto state = index_state(c, name);
        if (state == IndexState::valid) {
            return;
        }
        if (state == IndexState::invalid) {
            spdlog::warn(
                "migrate: {}: index {} is invalid (an earlier build was interrupted); "
                "dropping it and building it again",
                migration, name);
            pqxx::nontransaction tx(c);
            tx.exec("DROP INDEX CONCURRENTLY IF EXISTS " + tx.quote_name(name));
        }
        try {
            pqxx::nontransaction tx(c);
            tx.exec(statement);
        } catch (const pqxx::sql_error& e) {
            if (attempt == index_build_attempts) {
                throw;
            }
            spdlog::warn("migrate: {}: building index {} failed (attempt {} of {}): {}", migration,
                         name, attempt, index_build_attempts, e.what());
            continue;
        }
        if (index_state(c, name) == IndexState::valid) {
            return;
        }
        if (attempt == index_build_attempts) {
            throw DatabaseError(
                fmt::format("migration {}: index {} is still invalid after {} builds", migration,
                            name, index_build_attempts));
        }
    }
}

// A statement of a migration outside a transaction that needs a lock
// writers conflict with (a rename, an index dropped or attached, a
// partitioned table's own index) waits at most this long for it. While it
// waits, every write queued behind it waits too; after the timeout the
// writes go through and the statement is tried again a little later.
constexpr auto brief_lock_wait = "1s";
constexpr auto pause_between_lock_attempts = std::chrono::seconds(1);
constexpr int lock_attempts = 120;

void exec_waiting_briefly_for_locks(pqxx::connection_base& c, const std::string& migration,
                                    const std::string& statement) {
    constexpr std::string_view lock_not_available = "55P03";
    for (int attempt = 1;; ++attempt) {
        pqxx::nontransaction tx(c);
        tx.exec(fmt::format("SET lock_timeout = '{}'", brief_lock_wait));
        try {
            tx.exec(statement);
            tx.exec("SET lock_timeout = 0");
            return;
        } catch (const pqxx::sql_error& e) {
            tx.exec("SET lock_timeout = 0");
            if (e.sqlstate() != lock_not_available) {
                throw;
            }
            if (attempt == lock_attempts) {
                throw DatabaseError(fmt::format(
                    "migration {}: a lock it needs was held by another transaction at each of "
                    "{} attempts; end that transaction (pg_locks, pg_stat_activity) and migrate "
                    "again",
                    migration, lock_attempts));
            }
            if (attempt == 1) {
                spdlog::info(
                    "migrate: {}: a lock it needs is held by another transaction; letting "
                    "writes through and trying again every {} s",
                    migration, pause_between_lock_attempts.count());
            }
        }
        std::this_thread::sleep_for(pause_between_lock_attempts);
    }
}

constexpr int partition_passes = 3;

// Builds `index` on its table. On a plain table, CONCURRENTLY. A
// partitioned table gets its own index first (ON ONLY: no rows, invalid),
// then each partition an index built the same way, attached to it; once
// every partition's is attached PostgreSQL marks the table's index valid. A
// partition created meanwhile gets its index from the table's, attached
// already. An interrupted run leaves the partitions' indexes it finished;
// the next one attaches them and goes on.
void build_index(pqxx::connection_base& c, const std::string& migration,
                 const ConcurrentIndex& index) {
    const auto partitioned = [&] {
        pqxx::nontransaction tx(c);
        return tx
            .exec_params(
                "SELECT coalesce((SELECT relkind = 'p' FROM pg_class "
                "WHERE oid = to_regclass($1)), false)",
                index.table)[0][0]
            .as<bool>();
    }();
    if (!partitioned) {
        build_index_concurrently(c, migration, index.name, concurrent_build(index));
        return;
    }
    const auto stored = stored_name(index.name);
    if (index_state(c, stored) == IndexState::absent) {
        exec_waiting_briefly_for_locks(c, migration, partitioned_parent_build(index));
    }
    // A partition's index is named after the partition and what the table's
    // index is named beyond the table's own name ("events_day" on "events"
    // gives "events_2026_12_day" on "events_2026_12").
    const auto stored_table = stored_name(index.table);
    const auto suffix =
        stored.starts_with(stored_table + "_") ? stored.substr(stored_table.size()) : "_" + stored;
    for (int pass = 1; index_state(c, stored) != IndexState::valid; ++pass) {
        if (pass > partition_passes) {
            throw DatabaseError(fmt::format(
                "migration {}: index {} is still invalid after {} passes over the partitions "
                "of {}",
                migration, stored, partition_passes, index.table));
        }
        // The partitions without an index attached to this one.
        const auto partitions = [&] {
            pqxx::nontransaction tx(c);
            return tx.exec_params(
                "SELECT p.oid::regclass::text, p.relname FROM pg_inherits AS i "
                "JOIN pg_class AS p ON p.oid = i.inhrelid "
                "WHERE i.inhparent = to_regclass($1) AND NOT EXISTS ("
                "    SELECT FROM pg_inherits AS ii JOIN pg_index AS x ON x.indexrelid = ii.inhrelid"
                "    WHERE ii.inhparent = to_regclass($2) AND x.indrelid = p.oid) "
                "ORDER BY p.relname",
                index.table, index.name);
        }();
        for (const auto& row : partitions) {
            auto of_partition = index;
            of_partition.table = row[0].as<std::string>();
            const auto child = row[1].as<std::string>() + suffix;
            constexpr std::size_t longest_name = 63;
            if (child.size() > longest_name) {
                throw DatabaseError(fmt::format(
                    "migration {}: the index of partition {} would be named {}, longer than "
                    "PostgreSQL's {} bytes; give index {} a shorter name",
                    migration, of_partition.table, child, longest_name, stored));
            }
            of_partition.name = c.quote_name(child);
            build_index(c, migration, of_partition);
            exec_waiting_briefly_for_locks(
                c, migration,
                fmt::format("ALTER INDEX {} ATTACH PARTITION {}", index.name, of_partition.name));
        }
    }
}

// A migration that starts with no_transaction_marker: each statement on its
// own, so that an index on a large table is built CONCURRENTLY instead of
// blocking writes for the whole build. Not atomic: after an interruption it
// runs again from its first statement, so every statement must be safe to
// repeat (indexes are handled above; the rest IF NOT EXISTS, COMMENT ON).
void apply_outside_a_transaction(pqxx::connection_base& c, const MigrationSource& m) {
    const std::string migration(m.name);
    for (const auto& statement : split_statements(m.sql)) {
        if (const auto index = concurrent_index(statement)) {
            build_index(c, migration, *index);
        } else if (runs_concurrently(statement)) {
            pqxx::nontransaction tx(c);
            tx.exec(statement);
        } else {
            exec_waiting_briefly_for_locks(c, migration, statement);
        }
    }
}

MigrationResult apply_pending(pqxx::connection_base& c,
                              const std::vector<MigrationSource>& migrations) {
    spdlog::debug("migrate: taking the migration lock");
    take_migration_lock(c);
    struct Unlock {
        pqxx::connection_base& c;
        ~Unlock() {
            try {
                pqxx::nontransaction tx(c);
                tx.exec(fmt::format("SELECT pg_advisory_unlock({})", migration_lock_key));
            } catch (...) {
                // The lock dies with the session anyway.
            }
        }
    } unlock{c};

    {
        pqxx::work tx(c);
        tx.exec(create_history);
        tx.commit();
    }
    const auto applied = applied_migrations(c);

    MigrationResult result;
    for (const auto& m : migrations) {
        const int version = version_of(m.name);
        const auto checksum = checksum_of(m.sql);
        if (const auto it = applied.find(version); it != applied.end()) {
            if (it->second != checksum) {
                throw DatabaseError(fmt::format(
                    "migration {} was changed after it was applied; add a new migration instead",
                    m.name));
            }
            result.version = std::max(result.version, version);
            continue;
        }
        spdlog::info("migrate: applying {}", m.name);
        const auto record = [&](pqxx::transaction_base& tx) {
            tx.exec_params(
                "INSERT INTO deliveryd_schema_migrations (version, name, checksum) "
                "VALUES ($1, $2, $3)",
                version, std::string(m.name), checksum);
        };
        if (runs_outside_a_transaction(m.sql)) {
            apply_outside_a_transaction(c, m);
            pqxx::work tx(c);
            record(tx);
            tx.commit();
        } else {
            pqxx::work tx(c);
            tx.exec(std::string(m.sql));
            record(tx);
            tx.commit();
        }
        result.applied.emplace_back(m.name);
        result.version = std::max(result.version, version);
    }
    for (const auto& [version, checksum] : applied) {
        result.version = std::max(result.version, version);
    }
    // Every run, not only the first: the months ahead move on.
    pqxx::nontransaction tx(c);
    tx.exec("SELECT delivery_event_ensure_partitions(3)");
    return result;
}

}  // namespace

MigrationResult migrate(const std::string& url, const std::vector<MigrationSource>& migrations) {
    try {
        const auto c = open_connection(effective_conninfo(url, std::chrono::seconds(10)));
        return apply_pending(*c, migrations);
    } catch (const DatabaseError&) {
        throw;
    } catch (const DatabaseUnavailable&) {
        throw;
    } catch (...) {
        rethrow_translated(classify_current_exception());
    }
}

bool schema_is_current(pqxx::connection_base& connection,
                       const std::vector<MigrationSource>& migrations) {
    const auto applied = applied_migrations(connection);
    for (const auto& m : migrations) {
        if (!applied.contains(version_of(m.name))) {
            return false;
        }
    }
    return true;
}

}  // namespace deliveryd::store
