// Migrations against a real PostgreSQL: fresh, repeated, concurrent, and the
// resulting schema checked against what senders and DBAs rely on: the columns
// of delivery_state, a comment on every table and column, an insert of the id
// alone, the allowed state labels, delivery_event partitioned by month.
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "deliveryd/store/errors.hpp"
#include "deliveryd/store/migrations.hpp"

#include "support/child_process.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using testing::ScratchDatabase;

std::set<std::string> columns_of(const ScratchDatabase& db, const std::string& table) {
    pqxx::connection c(db.url());
    pqxx::nontransaction tx(c);
    std::set<std::string> names;
    for (const auto& row : tx.exec_params("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_schema = 'public' AND table_name = $1",
                                          table)) {
        names.insert(row[0].as<std::string>());
    }
    return names;
}

std::string write_config(const std::string& url) {
    const auto path = ::testing::TempDir() + "deliveryd-migrate-" + std::to_string(::getpid()) +
                      "-" + std::to_string(rand()) + ".yaml";
    std::ofstream(path) << "database:\n  url: " << url << "\n";
    return path;
}

TEST(Migrations, FreshDatabaseGetsEveryMigrationAndASecondRunDoesNothing) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db(/*migrated=*/false);
    const auto first = store::migrate(db.url());
    EXPECT_EQ(first.applied.size(), store::embedded_migrations().size());
    EXPECT_GE(first.version, 1);
    const auto second = store::migrate(db.url());
    EXPECT_TRUE(second.applied.empty());
    EXPECT_EQ(second.version, first.version);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM deliveryd_schema_migrations"),
              std::to_string(store::embedded_migrations().size()));
}

TEST(Migrations, StatusTableHasTheContractColumns) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db;
    const auto state = columns_of(db, "delivery_state");
    for (const auto* column :
         {"sms_id",       "provider",      "account",        "type_id",    "oa_id",
          "phone",        "request_id",    "state",          "is_final",   "send_status",
          "send_success", "send_failed",   "total_receiver", "total_sent", "total_price",
          "telco_id",     "partner_id",    "template_id",    "error_code", "error_message",
          "zalo_status",  "delivered_at",  "submitted_at",   "updated_at", "final_at",
          "resolved_by",  "poll_attempts", "next_poll_at"}) {
        EXPECT_TRUE(state.contains(column)) << "delivery_state." << column;
    }
    const auto event = columns_of(db, "delivery_event");
    for (const auto* column : {"sms_id", "source", "received_at", "raw_payload"}) {
        EXPECT_TRUE(event.contains(column)) << "delivery_event." << column;
    }
    EXPECT_EQ(db.scalar("SELECT data_type FROM information_schema.columns WHERE table_name = "
                        "'delivery_state' AND column_name = 'sms_id'"),
              "text");
    EXPECT_EQ(db.scalar("SELECT string_agg(a.attname, ',') FROM pg_index i JOIN pg_attribute a "
                        "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                        "WHERE i.indrelid = 'delivery_state'::regclass AND i.indisprimary"),
              "sms_id");
}

TEST(Migrations, EveryTableAndColumnIsCommented) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db;
    EXPECT_EQ(db.scalar(R"sql(
        SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v')
          AND obj_description(c.oid, 'pg_class') IS NULL)sql"),
              "0");
    EXPECT_EQ(db.scalar(R"sql(
        SELECT string_agg(c.relname || '.' || a.attname, ', ')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND col_description(c.oid, a.attnum) IS NULL)sql"),
              "NULL");
}

TEST(Migrations, ASenderCanInsertJustTheId) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db;
    db.execute("INSERT INTO delivery_state (sms_id) VALUES ('only-the-id')");
    EXPECT_EQ(db.scalar("SELECT state || ',' || is_final || ',' || provider || ',' || account || "
                        "',' || poll_attempts FROM delivery_state"),
              "submitted,false,esms,default,0");
    // First poll after the grace period (2 minutes unless deliveryd published another).
    EXPECT_EQ(db.scalar("SELECT next_poll_at - submitted_at FROM delivery_state"), "00:02:00");
    db.execute(
        "INSERT INTO delivery_state (sms_id, type_id, oa_id, phone) VALUES ('only-the-id', 25, "
        "'1397492183140006179', '0901888484') ON CONFLICT (sms_id) DO NOTHING");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_state"), "1");
}

TEST(Migrations, StateLabelsAreConstrained) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db;
    EXPECT_THROW(db.execute("INSERT INTO delivery_state (sms_id, state) VALUES ('x', 'lost')"),
                 pqxx::check_violation);
    for (const auto* label : {"submitted", "pending_approval", "waiting", "sent_to_telco", "sent",
                              "delivered", "failed", "rejected", "expired"}) {
        EXPECT_NO_THROW(
            db.execute(std::string("INSERT INTO delivery_state (sms_id, state) VALUES ('") + label +
                       "', '" + label + "')"));
    }
}

TEST(Migrations, EventLogIsPartitionedByMonth) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db;
    db.execute(
        "INSERT INTO delivery_event (sms_id, source, observed_at, state, raw_payload) "
        "VALUES ('a', 'callback', now(), 'sent', 'SMSID=a')");
    EXPECT_EQ(db.scalar("SELECT tableoid::regclass::text FROM delivery_event"),
              db.scalar("SELECT 'delivery_event_' || to_char(now() AT TIME ZONE 'UTC', "
                        "'YYYY_MM')"));
    EXPECT_NO_THROW(db.execute("SELECT delivery_event_ensure_partitions(6)"));
}

TEST(Migrations, TheStatusTableIsVacuumedAfterTwoPerCentOfItChanged) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    EXPECT_EQ(db.scalar("SELECT array_to_string(reloptions, ',') FROM pg_class "
                        "WHERE oid = 'delivery_state'::regclass"),
              "autovacuum_vacuum_scale_factor=0.02,autovacuum_analyze_scale_factor=0.02");
}

TEST(Migrations, TheEventPayloadIsLeftOutOfStatisticsInEveryPartition) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    // Partitions well ahead, created after the migration set the parent's.
    db.execute("SELECT delivery_event_ensure_partitions(14)");
    const auto targets =
        "SELECT count(*) FILTER (WHERE a.attstattarget = 0) || '/' || count(*) "
        "FROM pg_inherits i JOIN pg_attribute a "
        "ON a.attrelid = i.inhrelid AND a.attname = 'raw_payload' "
        "WHERE i.inhparent = 'delivery_event'::regclass";
    const auto counted = db.scalar(targets);
    EXPECT_EQ(counted.substr(0, counted.find('/')), counted.substr(counted.find('/') + 1));
    EXPECT_GE(std::stoi(counted.substr(counted.find('/') + 1)), 15);
    EXPECT_EQ(db.scalar("SELECT attstattarget FROM pg_attribute WHERE attrelid = "
                        "'delivery_event'::regclass AND attname = 'raw_payload'"),
              "0");
    // Every other column keeps its statistics.
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_attribute WHERE attrelid = "
                        "'delivery_event'::regclass AND attnum > 0 AND attstattarget = 0"),
              "1");
}

TEST(Migrations, AChangedMigrationIsRefused) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db;
    auto edited = store::embedded_migrations();
    const std::string changed = std::string(edited.at(0).sql) + "\n-- edited\n";
    edited.at(0).sql = changed;
    EXPECT_THROW((void)store::migrate(db.url(), edited), store::DatabaseError);
}

TEST(Migrations, AFailingMigrationLeavesNothingBehind) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db;
    auto migrations = store::embedded_migrations();
    migrations.push_back({"999_broken", "CREATE TABLE half_done (x int); SELECT * FROM nowhere;"});
    EXPECT_THROW((void)store::migrate(db.url(), migrations), store::DatabaseError);
    EXPECT_EQ(db.scalar("SELECT to_regclass('half_done') IS NULL"), "t");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM deliveryd_schema_migrations WHERE version = 999"),
              "0");
}

// Migrations that build an index CONCURRENTLY run outside a transaction.

std::string index_validity(const ScratchDatabase& db, const std::string& name) {
    return db.scalar(
        "SELECT coalesce((SELECT i.indisvalid::text || ' ' || i.indisunique::text FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = '" +
        name + "'), 'absent')");
}

TEST(Migrations, AnIndexLeftInvalidByAnInterruptedBuildIsBuiltAgain) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db;
    db.execute(
        "CREATE TABLE orders (id int, shop int); "
        "INSERT INTO orders SELECT i, i % 100 FROM generate_series(1, 20000) AS i");
    // An earlier build of the same name that failed half way: a unique index
    // over duplicates leaves an invalid index behind.
    {
        pqxx::connection c(db.url());
        pqxx::nontransaction tx(c);
        EXPECT_THROW(tx.exec("CREATE UNIQUE INDEX CONCURRENTLY orders_shop ON orders (shop)"),
                     pqxx::sql_error);
    }
    ASSERT_EQ(index_validity(db, "orders_shop"), "false true");

    auto migrations = store::embedded_migrations();
    migrations.push_back({"900_orders_shop",
                          "-- deliveryd: no transaction\n"
                          "-- Orders by shop; a comment with a ; in it.\n"
                          "CREATE INDEX CONCURRENTLY orders_shop ON orders (shop);\n"
                          "COMMENT ON INDEX orders_shop IS 'Orders by shop; for the report.';\n"});
    const auto result = store::migrate(db.url(), migrations);
    EXPECT_EQ(result.applied, std::vector<std::string>{"900_orders_shop"});
    EXPECT_EQ(index_validity(db, "orders_shop"), "true false");
    EXPECT_EQ(db.scalar("SELECT obj_description('orders_shop'::regclass)"),
              "Orders by shop; for the report.");
    EXPECT_TRUE(store::migrate(db.url(), migrations).applied.empty());
}

TEST(Migrations, AMigrationOutsideATransactionRunsAgainToItsEndAfterFailingHalfWay) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db;
    db.execute(
        "CREATE TABLE parcels (id int); INSERT INTO parcels SELECT generate_series(1, 5000)");
    auto migrations = store::embedded_migrations();
    migrations.push_back({"901_parcels",
                          "-- deliveryd: no transaction\n"
                          "CREATE INDEX CONCURRENTLY parcels_id ON parcels (id);\n"
                          "COMMENT ON COLUMN parcels.weight IS 'Grams.';\n"});
    // The second statement fails: the index built stays, the migration is
    // not recorded.
    EXPECT_THROW((void)store::migrate(db.url(), migrations), store::DatabaseError);
    EXPECT_EQ(index_validity(db, "parcels_id"), "true false");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM deliveryd_schema_migrations WHERE version = 901"),
              "0");
    // Once what it needs is there, it runs again from the start and keeps
    // the index it built.
    const auto oid_before = db.scalar("SELECT 'parcels_id'::regclass::oid");
    db.execute("ALTER TABLE parcels ADD COLUMN weight int");
    EXPECT_EQ(store::migrate(db.url(), migrations).applied,
              std::vector<std::string>{"901_parcels"});
    EXPECT_EQ(db.scalar("SELECT 'parcels_id'::regclass::oid"), oid_before);
    EXPECT_EQ(db.scalar("SELECT col_description('parcels'::regclass, 2)"), "Grams.");
}

TEST(Migrations, UnreachableDatabaseIsReportedAsUnavailable) {
    EXPECT_THROW((void)store::migrate("postgresql://nobody@127.0.0.1:1/none"),
                 store::DatabaseUnavailable);
}

TEST(Migrations, TwoProcessesAtOnceBothSucceed) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db(/*migrated=*/false);
    const auto config = write_config(db.url());
    testing::ChildProcess a(DELIVERYD_BINARY, {"migrate", "--config", config});
    testing::ChildProcess b(DELIVERYD_BINARY, {"migrate", "--config", config});
    EXPECT_EQ(a.wait_exit(std::chrono::seconds(60)), 0) << a.output();
    EXPECT_EQ(b.wait_exit(std::chrono::seconds(60)), 0) << b.output();
    EXPECT_EQ(db.scalar("SELECT count(*) FROM deliveryd_schema_migrations"),
              std::to_string(store::embedded_migrations().size()));
    const auto c = testing::run_process(DELIVERYD_BINARY, {"migrate", "--config", config});
    EXPECT_EQ(c.exit_code, 0) << c.output;
    EXPECT_NE(c.output.find("schema is current"), std::string::npos) << c.output;
}

}  // namespace
}  // namespace deliveryd
