#include "deliveryd/store/migrations.hpp"

#include <charconv>
#include <cstdint>
#include <map>

#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "deliveryd/store/conninfo.hpp"
#include "deliveryd/store/errors.hpp"

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

MigrationResult apply_pending(pqxx::connection_base& c,
                              const std::vector<MigrationSource>& migrations) {
    {
        pqxx::nontransaction tx(c);
        // Waiting for another replica's migration is expected: no timeout may
        // cancel it (a role's statement_timeout would, on managed databases).
        tx.exec("SET lock_timeout = 0");
        tx.exec("SET statement_timeout = 0");
        spdlog::debug("migrate: waiting for the migration lock");
        tx.exec(fmt::format("SELECT pg_advisory_lock({})", migration_lock_key));
    }
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
        pqxx::work tx(c);
        tx.exec(std::string(m.sql));
        tx.exec_params(
            "INSERT INTO deliveryd_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
            version, std::string(m.name), checksum);
        tx.commit();
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
