// Migrations against a real PostgreSQL: fresh, repeated, concurrent, and the
// resulting schema checked against what senders and DBAs rely on: the columns
// of delivery_state, a comment on every table and column, an insert of the id
// alone, the allowed state labels, delivery_event partitioned by month. Also
// how a migration outside a transaction treats a live table: indexes built
// CONCURRENTLY (partition by partition on a partitioned table), and locks
// waited for briefly so that writes go on.
#include <chrono>
#include <exception>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

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

// Each index that is part of `parent`, as "partition:index:method", sorted.
std::string partition_indexes(const ScratchDatabase& db, const std::string& parent) {
    return db.scalar(
        "SELECT string_agg(t.relname || ':' || c.relname || ':' || am.amname, ' ' "
        "ORDER BY t.relname) FROM pg_inherits AS ih "
        "JOIN pg_class AS c ON c.oid = ih.inhrelid JOIN pg_am AS am ON am.oid = c.relam "
        "JOIN pg_index AS x ON x.indexrelid = c.oid JOIN pg_class AS t ON t.oid = x.indrelid "
        "WHERE ih.inhparent = '" +
        parent + "'::regclass");
}

TEST(Migrations, AnIndexBuiltConcurrentlyOnAPartitionedTableIsBuiltOnEachPartition) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db;
    db.execute(
        "CREATE TABLE crates (id int, label text, at date) PARTITION BY RANGE (at); "
        "CREATE TABLE crates_jan PARTITION OF crates FOR VALUES FROM ('2026-01-01') TO "
        "('2026-02-01'); "
        "CREATE TABLE crates_feb PARTITION OF crates FOR VALUES FROM ('2026-02-01') TO "
        "('2026-03-01'); "
        "CREATE TABLE crates_other PARTITION OF crates DEFAULT; "
        "INSERT INTO crates SELECT i, 'c' || i, DATE '2026-01-01' + i % 70 "
        "FROM generate_series(1, 3000) AS i");
    // An earlier run that stopped after one partition's index was built.
    db.execute("CREATE INDEX crates_feb_label ON crates_feb USING hash (label)");
    const auto kept = db.scalar("SELECT 'crates_feb_label'::regclass::oid");

    auto migrations = store::embedded_migrations();
    migrations.push_back({"902_crates_label",
                          "-- deliveryd: no transaction\n"
                          "CREATE INDEX CONCURRENTLY IF NOT EXISTS crates_label\n"
                          "    ON crates USING hash (label);\n"
                          "COMMENT ON INDEX crates_label IS 'Crates by label.';\n"});
    EXPECT_EQ(store::migrate(db.url(), migrations).applied,
              std::vector<std::string>{"902_crates_label"});
    EXPECT_EQ(index_validity(db, "crates_label"), "true false");
    EXPECT_EQ(partition_indexes(db, "crates_label"),
              "crates_feb:crates_feb_label:hash crates_jan:crates_jan_label:hash "
              "crates_other:crates_other_label:hash");
    EXPECT_EQ(db.scalar("SELECT 'crates_feb_label'::regclass::oid"), kept);
    EXPECT_EQ(db.scalar("SELECT obj_description('crates_label'::regclass)"), "Crates by label.");
    EXPECT_TRUE(store::migrate(db.url(), migrations).applied.empty());

    // A partition created later has it too, and queries find rows through it.
    db.execute(
        "CREATE TABLE crates_apr PARTITION OF crates FOR VALUES FROM ('2026-04-01') TO "
        "('2026-05-01')");
    EXPECT_NE(partition_indexes(db, "crates_label").find("crates_apr:"), std::string::npos);
    db.execute("SET enable_seqscan = off");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM crates WHERE label = 'c42'"), "1");
}

TEST(Migrations, AStatementWaitingForALockLetsWritesThroughUntilItGetsIt) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db;
    db.execute("CREATE TABLE crates (id int); CREATE INDEX crates_id ON crates (id)");
    // A long transaction that wrote to the table holds a lock that dropping
    // its index must wait for.
    pqxx::connection holder_connection(db.url());
    pqxx::work holder(holder_connection);
    holder.exec("INSERT INTO crates VALUES (1)");

    auto migrations = store::embedded_migrations();
    migrations.push_back({"903_crates_without_id_index",
                          "-- deliveryd: no transaction\n"
                          "DROP INDEX IF EXISTS crates_id;\n"});
    std::exception_ptr failure;
    std::thread migration([&] {
        try {
            (void)store::migrate(db.url(), migrations);
        } catch (...) {
            failure = std::current_exception();
        }
    });
    // Writes go through while the migration waits for its lock: each of
    // them waits at most as long as one of its attempts.
    {
        pqxx::connection writer(db.url());
        pqxx::nontransaction tx(writer);
        tx.exec("SET statement_timeout = '20s'");
        for (int i = 0; i < 3; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(700));
            EXPECT_NO_THROW(tx.exec("INSERT INTO crates VALUES (2)"));
        }
    }
    EXPECT_EQ(index_validity(db, "crates_id"), "true false");
    holder.commit();
    migration.join();
    if (failure) {
        std::rethrow_exception(failure);
    }
    EXPECT_EQ(index_validity(db, "crates_id"), "absent");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM crates"), "4");
}

TEST(Migrations, TheReportsOfAMessageAreFoundThroughAHashIndexInEveryPartition) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db;
    EXPECT_EQ(index_validity(db, "delivery_event_sms_id_hash"), "true false");
    EXPECT_EQ(index_validity(db, "delivery_event_sms_id"), "absent");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_inherits WHERE inhparent = "
                        "'delivery_event'::regclass"),
              db.scalar("SELECT count(*) FROM pg_inherits WHERE inhparent = "
                        "'delivery_event_sms_id_hash'::regclass"));
    db.execute("SELECT delivery_event_ensure_partitions(6)");
    const auto indexes = partition_indexes(db, "delivery_event_sms_id_hash");
    EXPECT_EQ(indexes.find(":btree"), std::string::npos) << indexes;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_inherits WHERE inhparent = "
                        "'delivery_event'::regclass"),
              db.scalar("SELECT count(*) FROM pg_inherits WHERE inhparent = "
                        "'delivery_event_sms_id_hash'::regclass"));
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
