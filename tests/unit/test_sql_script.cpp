// A migration script read as statements: semicolons inside quotes, quoted
// names, dollar-quoted bodies and comments do not end a statement; the
// marker of a migration run outside a transaction; and the name of an
// index built CONCURRENTLY.
#include <cctype>
#include <stdexcept>
#include <string>
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
    EXPECT_EQ(concurrent_index_name("CREATE INDEX CONCURRENTLY a_b ON a (b)"), "a_b");
    EXPECT_EQ(concurrent_index_name("create unique index concurrently if not exists a_b on a(b)"),
              "a_b");
    EXPECT_EQ(concurrent_index_name("-- why\nCREATE INDEX CONCURRENTLY \"A b\" ON a (b)"),
              "\"A b\"");
    EXPECT_EQ(concurrent_index_name("CREATE INDEX CONCURRENTLY delivery_phone\n"
                                    "    ON delivery_state (phone) WHERE phone IS NOT NULL"),
              "delivery_phone");
    EXPECT_EQ(concurrent_index_name("CREATE INDEX a_b ON a (b)"), std::nullopt);
    EXPECT_EQ(concurrent_index_name("CREATE INDEX CONCURRENTLY ON a (b)"), std::nullopt);
    EXPECT_EQ(concurrent_index_name("COMMENT ON INDEX a_b IS 'x'"), std::nullopt);
}

// Migrations up to 006 were written before indexes could be built outside a
// transaction, and applied ones never change; every index a later one adds
// to an existing table is built CONCURRENTLY, so that no migration blocks
// callbacks while it builds an index over a large table. An index on a
// table the same migration creates covers no rows (and PostgreSQL cannot
// build one on a partitioned table CONCURRENTLY).
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
                EXPECT_TRUE(concurrent_index_name(statement)) << m.name << ": " << statement;
                EXPECT_TRUE(runs_outside_a_transaction(m.sql)) << m.name;
            }
        }
    }
}

}  // namespace
}  // namespace deliveryd::store
