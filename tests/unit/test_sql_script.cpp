// A migration script read as statements: semicolons inside quotes, quoted
// names, dollar-quoted bodies and comments do not end a statement; the
// marker of a migration run outside a transaction; a concurrent index build
// taken apart, and which statements run concurrently.
#include <cctype>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/store/migrations.hpp"

#include "store/sql_script.hpp"

namespace deliveryd::store {
namespace {

using Statements = std::vector<std::string>;

TEST(SqlScript, SplitsAtSemicolonsOutsideQuotesAndComments) {
    EXPECT_EQ(split_statements("SELECT 1; SELECT 2;\nSELECT 3"),
              (Statements{"SELECT 1", "SELECT 2", "SELECT 3"}));
    EXPECT_EQ(split_statements("COMMENT ON TABLE t IS 'a; b';"),
              (Statements{"COMMENT ON TABLE t IS 'a; b'"}));
    EXPECT_EQ(split_statements("COMMENT ON TABLE t IS 'it''s; fine'; SELECT 2"),
              (Statements{"COMMENT ON TABLE t IS 'it''s; fine'", "SELECT 2"}));
    EXPECT_EQ(split_statements("SELECT 1 AS \"a;b\"; SELECT 2"),
              (Statements{"SELECT 1 AS \"a;b\"", "SELECT 2"}));
    EXPECT_EQ(split_statements("-- one; two\nSELECT 1; /* three; */ SELECT 2;"),
              (Statements{"-- one; two\nSELECT 1", "/* three; */ SELECT 2"}));
    EXPECT_EQ(split_statements("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;"
                               "CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $body$ SELECT 2; "
                               "$body$;"),
              (Statements{"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$",
                          "CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $body$ SELECT 2; "
                          "$body$"}));
}

TEST(SqlScript, LeavesOutEmptyStatementsAndCommentsAlone) {
    EXPECT_EQ(split_statements("-- a migration\n\nSELECT 1;;\n  ;\n-- the end\n"),
              (Statements{"-- a migration\n\nSELECT 1"}));
    EXPECT_TRUE(split_statements("").empty());
    EXPECT_TRUE(split_statements("-- nothing\n/* at all */").empty());
}

TEST(SqlScript, AQuoteOrCommentLeftOpenIsAnError) {
    EXPECT_THROW((void)split_statements("SELECT 'open"), std::invalid_argument);
    EXPECT_THROW((void)split_statements("SELECT 1 /* open"), std::invalid_argument);
    EXPECT_THROW((void)split_statements("SELECT $$ open"), std::invalid_argument);
}

TEST(SqlScript, TheMarkerIsTheFirstLine) {
    EXPECT_TRUE(runs_outside_a_transaction("-- deliveryd: no transaction\nCREATE INDEX ..."));
    EXPECT_FALSE(runs_outside_a_transaction("CREATE INDEX ...\n-- deliveryd: no transaction"));
    EXPECT_FALSE(runs_outside_a_transaction("-- 007: indexes\n"));
}

TEST(SqlScript, NamesTheIndexAConcurrentBuildMakes) {
    const auto name_of = [](std::string_view statement) -> std::optional<std::string> {
        if (const auto index = concurrent_index(statement)) {
            return index->name;
        }
        return std::nullopt;
    };
    EXPECT_EQ(name_of("CREATE INDEX CONCURRENTLY a_b ON a (b)"), "a_b");
    EXPECT_EQ(name_of("create unique index concurrently if not exists a_b on a(b)"), "a_b");
    EXPECT_EQ(name_of("-- why\nCREATE INDEX CONCURRENTLY \"A b\" ON a (b)"), "\"A b\"");
    EXPECT_EQ(name_of("/* why */ CREATE INDEX CONCURRENTLY a_b ON a (b)"), "a_b");
    EXPECT_EQ(name_of("CREATE INDEX CONCURRENTLY delivery_phone\n"
                      "    ON delivery_state (phone) WHERE phone IS NOT NULL"),
              "delivery_phone");
    EXPECT_EQ(name_of("CREATE INDEX a_b ON a (b)"), std::nullopt);
    EXPECT_EQ(name_of("CREATE INDEX CONCURRENTLY ON a (b)"), std::nullopt);
    EXPECT_EQ(name_of("CREATE INDEX CONCURRENTLY a_b ON ONLY a (b)"), std::nullopt);
    EXPECT_EQ(name_of("COMMENT ON INDEX a_b IS 'x'"), std::nullopt);
}

TEST(SqlScript, AConcurrentBuildIsTakenApartForEachPartition) {
    const auto index = concurrent_index(
        "-- events by message\n"
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS events_key ON \"Events\"\n"
        "    USING hash (key) WHERE key IS NOT NULL");
    ASSERT_TRUE(index);
    EXPECT_EQ(index->name, "events_key");
    EXPECT_EQ(index->table, "\"Events\"");
    EXPECT_EQ(index->definition, "USING hash (key) WHERE key IS NOT NULL");
    EXPECT_TRUE(index->unique);
    auto of_partition = *index;
    of_partition.name = "\"events_1_key\"";
    of_partition.table = "events_1";
    EXPECT_EQ(concurrent_build(of_partition),
              "CREATE UNIQUE INDEX CONCURRENTLY \"events_1_key\" ON events_1 "
              "USING hash (key) WHERE key IS NOT NULL");
    EXPECT_EQ(partitioned_parent_build(*index),
              "CREATE UNIQUE INDEX events_key ON ONLY \"Events\" "
              "USING hash (key) WHERE key IS NOT NULL");

    const auto plain = concurrent_index("CREATE INDEX CONCURRENTLY a_b ON a(b)");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->table, "a");
    EXPECT_EQ(plain->definition, "(b)");
    EXPECT_FALSE(plain->unique);
}

TEST(SqlScript, KnowsWhichStatementsRunConcurrently) {
    EXPECT_TRUE(runs_concurrently("CREATE INDEX CONCURRENTLY a_b ON a (b)"));
    EXPECT_TRUE(runs_concurrently("-- gone\ndrop index concurrently if exists a_b"));
    EXPECT_TRUE(runs_concurrently("REINDEX INDEX CONCURRENTLY a_b"));
    EXPECT_FALSE(runs_concurrently("DROP INDEX IF EXISTS a_b"));
    EXPECT_FALSE(runs_concurrently("ALTER INDEX a_b RENAME TO a_c"));
    EXPECT_FALSE(runs_concurrently("COMMENT ON INDEX a_b IS 'built concurrently'"));
}

// Migrations up to 006 were written before indexes could be built outside a
// transaction, and applied ones never change; every index a later one adds
// to an existing table is built CONCURRENTLY, so that no migration blocks
// callbacks while it builds an index over a large table (on a partitioned
// table, partition by partition). An index on a table the same migration
// creates covers no rows.
TEST(SqlScript, EveryIndexAddedAfterTheSixthMigrationIsBuiltConcurrently) {
    constexpr int last_blocking_migration = 6;
    for (const auto& m : embedded_migrations()) {
        if (std::stoi(std::string(m.name.substr(0, 3))) <= last_blocking_migration) {
            continue;
        }
        for (const auto& statement : split_statements(m.sql)) {
            std::string words;
            for (const char c : statement) {
                words += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            const bool creates_index = words.find("create index") != std::string::npos ||
                                       words.find("create unique index") != std::string::npos;
            const auto on = words.find(" on ", words.find(" index "));
            if (creates_index && on != std::string::npos) {
                const auto table_start = words.find_first_not_of(" \n", on + 4);
                const auto table = words.substr(
                    table_start, words.find_first_of(" \n(", table_start) - table_start);
                std::string migration;
                for (const char c : m.sql) {
                    migration += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                }
                if (migration.find("create table " + table + " ") != std::string::npos) {
                    continue;  // a table of this migration: empty
                }
            }
            if (creates_index) {
                EXPECT_TRUE(concurrent_index(statement)) << m.name << ": " << statement;
                EXPECT_TRUE(runs_outside_a_transaction(m.sql)) << m.name;
            }
        }
    }
}

}  // namespace
}  // namespace deliveryd::store
