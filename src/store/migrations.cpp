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

// A migration that starts with no_transaction_marker: each statement on its
// own, so that an index on a large table is built CONCURRENTLY instead of
// blocking writes for the whole build. Not atomic: after an interruption it
// runs again from its first statement, so every statement must be safe to
// repeat (indexes are handled above; the rest IF NOT EXISTS, COMMENT ON).
void apply_outside_a_transaction(pqxx::connection_base& c, const MigrationSource& m) {
    for (const auto& statement : split_statements(m.sql)) {
        if (const auto index = concurrent_index_name(statement)) {
            build_index_concurrently(c, std::string(m.name), *index, statement);
        } else {
            pqxx::nontransaction tx(c);
            tx.exec(statement);
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
