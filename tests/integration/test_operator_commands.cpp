// The operator's commands run as the real binary against a real database:
// import (idempotent, all or nothing), requeue, retention (only old
// partitions), rebuild (zero differences after real reports; a tampered row
// found; --apply repairs it, skips rows with an incomplete history and loses
// no report that arrives while it runs), status.
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "deliveryd/core/merge.hpp"
#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/operator_queries.hpp"
#include "deliveryd/store/poll_store.hpp"
#include "deliveryd/store/status_store.hpp"

#include "support/child_process.hpp"
#include "support/daemon.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;

struct OperatorCommands : ::testing::Test {
    void SetUp() override {
        if (testing::admin_url().empty()) {
            GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)";
        }
        db = std::make_unique<testing::ScratchDatabase>();
        config = testing::write_temp_file(testing::daemon_config(db->url()), ".yaml");
    }

    testing::Completed deliveryd(std::vector<std::string> args) const {
        args.insert(args.begin() + 1, {"--config", config});
        return testing::run_process(DELIVERYD_BINARY, args, 60s);
    }

    std::unique_ptr<testing::ScratchDatabase> db;
    std::string config;
};

TEST_F(OperatorCommands, ImportTwiceInsertsOnce) {
    db->execute("INSERT INTO delivery_state (sms_id, state) VALUES ('known-1', 'delivered')");
    const auto csv = testing::write_temp_file(
        "sms_id,type_id,oa_id,phone,account,submitted_at\r\n"
        "imp-1,25,1397492183140006179,0901888484,shop-a,2026-11-20T08:30:00+07:00\r\n"
        "imp-2,2,,0902000000,,\r\n"
        "\"imp-3\",23,,\"0903,000\",,\n"
        "known-1,2,,,,\n",
        ".csv");
    const auto first = deliveryd({"import", "--csv", csv});
    EXPECT_EQ(first.exit_code, 0) << first.output;
    EXPECT_NE(first.output.find("4 rows read: 3 inserted, 1 already registered"), std::string::npos)
        << first.output;
    const auto second = deliveryd({"import", "--csv", csv});
    EXPECT_EQ(second.exit_code, 0) << second.output;
    EXPECT_NE(second.output.find("0 inserted, 4 already registered"), std::string::npos)
        << second.output;

    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state"), "4");
    EXPECT_EQ(db->scalar("SELECT account || ' ' || type_id || ' ' || oa_id || ' ' || "
                         "to_char(submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') "
                         "FROM delivery_state WHERE sms_id = 'imp-1'"),
              "shop-a 25 1397492183140006179 2026-11-20 01:30");
    EXPECT_EQ(db->scalar("SELECT account || ' ' || provider || ' ' || state || ' ' || "
                         "(next_poll_at > now()) FROM delivery_state WHERE sms_id = 'imp-2'"),
              "default esms submitted true")
        << "empty fields take the column defaults, as a sender's INSERT does";
    EXPECT_EQ(db->scalar("SELECT phone FROM delivery_state WHERE sms_id = 'imp-3'"), "0903,000");
    EXPECT_EQ(db->scalar("SELECT state FROM delivery_state WHERE sms_id = 'known-1'"), "delivered")
        << "a registered row is left as it is";
}

TEST_F(OperatorCommands, ABadImportFileImportsNothing) {
    const auto csv = testing::write_temp_file("sms_id,type_id\nok-1,2\nbad id,2\n", ".csv");
    const auto result = deliveryd({"import", "--csv", csv});
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_NE(result.output.find("line 3: column sms_id: contains a space"), std::string::npos)
        << result.output;
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state"), "0");

    const auto unknown = testing::write_temp_file("sms_id,colour\nok-1,red\n", ".csv");
    const auto rejected = deliveryd({"import", "--csv", unknown});
    EXPECT_EQ(rejected.exit_code, 2);
    EXPECT_NE(rejected.output.find("column colour: unknown column"), std::string::npos)
        << rejected.output;
}

// A file of several chunks streams through: every row is registered, and a
// bad row at its very end still stops the whole file before anything is.
TEST_F(OperatorCommands, ALongImportFileStreamsThroughInChunks) {
    std::string rows = "sms_id,type_id,phone\n";
    constexpr int count = 12'345;
    for (int i = 0; i < count; ++i) {
        rows += "long-" + std::to_string(i) + ",2,\"09" + std::to_string(10'000'000 + i) + "\"\n";
    }
    const auto bad = testing::write_temp_file(rows + "bad id,2,0901\n", ".csv");
    const auto refused = deliveryd({"import", "--csv", bad});
    EXPECT_EQ(refused.exit_code, 2) << refused.output;
    EXPECT_NE(refused.output.find("line " + std::to_string(count + 2) + ": column sms_id"),
              std::string::npos)
        << refused.output;
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state"), "0");

    const auto good = testing::write_temp_file(rows, ".csv");
    const auto result = deliveryd({"import", "--csv", good});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("12345 rows read: 12345 inserted, 0 already registered"),
              std::string::npos)
        << result.output;
    EXPECT_EQ(db->scalar("SELECT count(*) || ' ' || min(phone) || ' ' || max(phone) "
                         "FROM delivery_state"),
              "12345 0910000000 0910012344");
}

TEST_F(OperatorCommands, RequeueMakesChosenRowsDueWithANewWindow) {
    db->execute(R"sql(
        INSERT INTO delivery_state (sms_id, type_id, state, is_final, window_closed,
                                    window_closed_at, final_at, resolved_by, submitted_at,
                                    updated_at, next_poll_at, poll_attempts)
        VALUES
          ('exp-recent', 2, 'expired', true, true, now() - interval '1 day',
           now() - interval '1 day', 'poll', now() - interval '8 days', now() - interval '1 day',
           NULL, 6),
          ('exp-old', 2, 'expired', true, true, now() - interval '5 days',
           now() - interval '5 days', 'poll', now() - interval '12 days',
           now() - interval '5 days', NULL, 6),
          ('done', 2, 'sent', true, false, NULL, now() - interval '1 day', 'callback',
           now() - interval '1 day', now() - interval '1 day', NULL, 0)
    )sql");
    const auto dry = deliveryd({"requeue", "--state", "expired", "--since", "2d", "--dry-run"});
    EXPECT_EQ(dry.exit_code, 0) << dry.output;
    EXPECT_NE(dry.output.find("1 rows would be made due again"), std::string::npos) << dry.output;
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE requeued_at IS NOT NULL"), "0");

    const auto run = deliveryd({"requeue", "--state", "expired", "--since", "2d"});
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("1 rows made due again"), std::string::npos) << run.output;
    EXPECT_EQ(db->scalar("SELECT state || ' ' || is_final || ' ' || window_closed || ' ' || "
                         "poll_attempts || ' ' || (next_poll_at <= now()) || ' ' || "
                         "(requeued_at IS NOT NULL) || ' ' || coalesce(resolved_by, '-') "
                         "FROM delivery_state WHERE sms_id = 'exp-recent'"),
              "submitted false false 0 true true -");
    EXPECT_EQ(db->scalar("SELECT state FROM delivery_state WHERE sms_id = 'exp-old'"), "expired");
    EXPECT_EQ(db->scalar("SELECT state || ' ' || is_final FROM delivery_state "
                         "WHERE sms_id = 'done'"),
              "sent true");

    // The scheduler's claim counts the new window from the requeue.
    store::ConnectionPool pool({.url = db->url(), .size = 1});
    store::PollStore polls(pool);
    const auto claimed = polls.claim_due(
        {.kind = store::PollScope::Kind::esms_account, .account = "default"}, 10, 1min);
    ASSERT_EQ(claimed.size(), 1u);
    EXPECT_EQ(claimed[0].sms_id, "exp-recent");
    EXPECT_GT(claimed[0].submitted_at, std::chrono::system_clock::now() - 1min)
        << "a requeued row's window starts at requeued_at";

    // Without --state a row with a final answer is never chosen.
    const auto by_account = deliveryd({"requeue", "--account", "default"});
    EXPECT_EQ(by_account.exit_code, 0) << by_account.output;
    EXPECT_EQ(db->scalar("SELECT state || ' ' || is_final FROM delivery_state "
                         "WHERE sms_id = 'done'"),
              "sent true");
    EXPECT_EQ(db->scalar("SELECT state FROM delivery_state WHERE sms_id = 'exp-old'"), "submitted")
        << "expired rows are chosen without --state";

    const auto nothing = deliveryd({"requeue"});
    EXPECT_EQ(nothing.exit_code, 2) << "no selector and no --all is refused";
    const auto bad = deliveryd({"requeue", "--state", "lost"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(
        bad.output.find("unknown state 'lost' (the states: submitted, pending_approval, "
                        "waiting, sent_to_telco, sent, delivered, failed, rejected, expired)"),
        std::string::npos)
        << bad.output;
}

// More chosen rows than one chunk (5,000): the selection is read once by a
// cursor and requeued chunk by chunk; exactly the chosen rows change, and no
// cursor is left on the pooled connection, after success or failure.
TEST_F(OperatorCommands, RequeueWorksThroughASelectionLargerThanAChunk) {
    // 12,000 rows: every 4th has a final answer (not chosen without --state),
    // every 4th+1 is expired (chosen), the rest unresolved (chosen); every
    // 10th belongs to another account (not chosen). Ids mix 'A' and 'a' so
    // that byte order and a locale's order differ.
    db->execute(R"sql(
        INSERT INTO delivery_state (sms_id, type_id, account, state, is_final, final_at,
                                    resolved_by, submitted_at, updated_at, next_poll_at,
                                    poll_attempts)
        SELECT CASE WHEN g % 2 = 0 THEN 'A' ELSE 'a' END || '-' || g, 2,
               CASE WHEN g % 10 = 0 THEN 'other' ELSE 'bulk' END,
               CASE g % 4 WHEN 0 THEN 'delivered' WHEN 1 THEN 'expired' ELSE 'submitted' END,
               g % 4 IN (0, 1), CASE WHEN g % 4 IN (0, 1) THEN now() END,
               CASE WHEN g % 4 IN (0, 1) THEN 'poll' END, now() - interval '1 day',
               now() - interval '1 hour', CASE WHEN g % 4 > 1 THEN now() + interval '1 hour' END,
               3
        FROM generate_series(1, 12000) AS g
    )sql");
    const std::string chosen = "account = 'bulk' AND state <> 'delivered'";  // 8,400 rows
    ASSERT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE " + chosen), "8400");

    const auto dry = deliveryd({"requeue", "--account", "bulk", "--dry-run"});
    EXPECT_EQ(dry.exit_code, 0) << dry.output;
    EXPECT_NE(dry.output.find("8400 rows would be made due again"), std::string::npos)
        << dry.output;

    const auto run = deliveryd({"requeue", "--account", "bulk"});
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("8400 rows made due again"), std::string::npos) << run.output;
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE requeued_at IS NOT NULL"),
              "8400");
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE (requeued_at IS NOT NULL) "
                         "<> (" +
                         chosen + ")"),
              "0")
        << "exactly the chosen rows are requeued";
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE " + chosen +
                         " AND NOT (state = 'submitted' AND NOT is_final AND poll_attempts = 0 "
                         "AND next_poll_at <= now() AND final_at IS NULL AND resolved_by IS NULL)"),
              "0")
        << "every chosen row is unresolved and due, its expired state back to submitted";
    EXPECT_EQ(db->scalar("SELECT count(DISTINCT requeued_at) FROM delivery_state"), "1")
        << "one run, one requeued_at";
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE NOT (" + chosen +
                         ") AND (poll_attempts <> 3 OR state = 'submitted' AND "
                         "next_poll_at <= now())"),
              "0")
        << "rows not chosen are left as they were";

    // Through the library with one pooled connection: no cursor outlives a
    // run, neither a successful one nor one that fails part way (a trigger
    // rejects a row of the last chunk).
    store::ConnectionPool pool({.url = db->url(), .size = 1});
    const auto open_cursors = [&] {
        std::string n;
        pool.with_connection([&](pqxx::connection_base& c) {
            pqxx::nontransaction tx(c);
            n = tx.exec1("SELECT count(*) FROM pg_cursors")[0].as<std::string>();
        });
        return n;
    };
    store::RequeueSelection delivered;
    delivered.states = {"delivered"};
    delivered.account = "bulk";
    std::vector<std::int64_t> progress;  // what a progress line is shown, chunk by chunk
    EXPECT_EQ(store::requeue(pool, delivered, false,
                             [&](std::int64_t rows) { progress.push_back(rows); }),
              2400);
    EXPECT_EQ(progress, std::vector<std::int64_t>{2400});
    EXPECT_EQ(open_cursors(), "0");
    db->execute(R"sql(
        CREATE FUNCTION reject_requeue() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'rejected %', NEW.sms_id; END $$;
        CREATE TRIGGER reject_requeue BEFORE UPDATE ON delivery_state FOR EACH ROW
            WHEN (NEW.sms_id = 'a-9999') EXECUTE FUNCTION reject_requeue();
    )sql");
    store::RequeueSelection bulk;
    bulk.account = "bulk";
    EXPECT_ANY_THROW((void)store::requeue(pool, bulk, false));
    EXPECT_EQ(open_cursors(), "0");
}

TEST_F(OperatorCommands, RetentionDropsOnlyWholeOldMonths) {
    db->execute(R"sql(
        CREATE TABLE delivery_event_2024_01 PARTITION OF delivery_event
            FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00');
        SELECT delivery_event_ensure_partitions(1);
        INSERT INTO delivery_event (sms_id, source, received_at, observed_at, state, raw_payload)
        VALUES ('old', 'callback', '2024-01-15 00:00:00+00', '2024-01-15 00:00:00+00', 'sent', 'x'),
               ('new', 'callback', now(), now(), 'sent', 'x');
    )sql");
    // A partition whose month ended 40 days ago: too young for 90d.
    db->execute(R"sql(
        DO $$
        DECLARE m date := date_trunc('month', now() AT TIME ZONE 'UTC' - interval '70 days')::date;
        BEGIN
            EXECUTE format('CREATE TABLE %I PARTITION OF delivery_event FOR VALUES FROM (%L) TO (%L)',
                'delivery_event_' || to_char(m, 'YYYY_MM'),
                m::timestamp AT TIME ZONE 'UTC', (m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
        END $$;
    )sql");
    const auto partitions =
        "SELECT count(*) FROM pg_inherits WHERE inhparent = 'delivery_event'::regclass";
    const auto before = db->scalar(partitions);

    const auto dry = deliveryd({"retention", "--older-than", "90d", "--dry-run"});
    EXPECT_EQ(dry.exit_code, 0) << dry.output;
    EXPECT_NE(dry.output.find("would drop delivery_event_2024_01"), std::string::npos)
        << dry.output;
    EXPECT_EQ(db->scalar(partitions), before);

    const auto run = deliveryd({"retention", "--older-than", "90d"});
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("1 monthly partitions of delivery_event dropped"), std::string::npos)
        << run.output;
    EXPECT_EQ(db->scalar("SELECT to_regclass('delivery_event_2024_01') IS NULL"), "t");
    EXPECT_EQ(std::stoi(db->scalar(partitions)), std::stoi(before) - 1);
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id, ',') FROM delivery_event"), "new");

    const auto too_short = deliveryd({"retention", "--older-than", "90s"});
    EXPECT_EQ(too_short.exit_code, 2) << "under a day is refused as a slip";
}

core::Observation stored_report(const std::string& id, core::StateLabel state, int seconds,
                                core::Source source = core::Source::callback) {
    core::Observation o;
    o.sms_id = id;
    o.source = source;
    o.observed_at = core::Timestamp(std::chrono::seconds(1'790'000'000 + seconds));
    o.state = state;
    o.send_status = state == core::StateLabel::waiting ? 2 : 5;
    o.raw = "SMSID=" + id;
    return o;
}

TEST_F(OperatorCommands, RebuildFindsNoDifferenceAfterRealReportsAndFindsATamperedRow) {
    store::ConnectionPool pool({.url = db->url(), .size = 2});
    store::StatusStore status(pool);
    db->execute(
        "INSERT INTO delivery_state (sms_id, type_id, oa_id) VALUES "
        "('zns-1', 25, '1397492183140006179'), ('zns-quiet', 25, '1397492183140006179')");
    auto zns = stored_report("zns-1", core::StateLabel::sent, 10, core::Source::get_callback);
    zns.partner_id = "7984e9b198c40e9957d6";
    auto failed = stored_report("sms-2", core::StateLabel::failed, 20);
    failed.send_success = 0;
    failed.send_failed = 1;
    failed.error_code = -114;
    failed.error_message = "user inactive";
    (void)status.apply(
        std::vector{stored_report("sms-1", core::StateLabel::waiting, 5), zns, failed});
    (void)status.apply(std::vector{stored_report("sms-1", core::StateLabel::sent, 30)});
    (void)status.close_windows(std::vector<store::WindowClose>{
        {"zns-1", core::Timestamp(std::chrono::seconds(1'790'600'000))},
        {"zns-quiet", core::Timestamp(std::chrono::seconds(1'790'600'000))}});

    const auto clean = deliveryd({"rebuild"});
    EXPECT_EQ(clean.exit_code, 0) << clean.output;
    EXPECT_NE(clean.output.find("4 rows recomputed from delivery_event: 0 differ"),
              std::string::npos)
        << clean.output;

    db->execute(
        "UPDATE delivery_state SET state = 'delivered', error_code = NULL "
        "WHERE sms_id = 'sms-2'");
    const auto tampered = deliveryd({"rebuild"});
    EXPECT_EQ(tampered.exit_code, 0) << "the check ran: " << tampered.output;
    EXPECT_NE(tampered.output.find("4 rows recomputed from delivery_event: 1 differ"),
              std::string::npos)
        << tampered.output;
    EXPECT_NE(tampered.output.find("differs: sms-2 (state, error_code)"), std::string::npos)
        << tampered.output;
    const auto one = deliveryd({"rebuild", "--sms-id", "sms-1"});
    EXPECT_EQ(one.exit_code, 0) << one.output;
    EXPECT_NE(one.output.find("1 rows recomputed"), std::string::npos) << one.output;

    std::vector<std::int64_t> progress;  // what a progress line is shown, chunk by chunk
    const auto again = store::rebuild_rows(pool, std::nullopt, store::RebuildMode::report, 100,
                                           [&](std::int64_t rows) { progress.push_back(rows); });
    EXPECT_EQ(again.rows_checked, 4);
    EXPECT_EQ(progress, std::vector<std::int64_t>{4});
}

TEST_F(OperatorCommands, RebuildApplyRepairsRowsChangedBehindItsBackAndOnlyThose) {
    store::ConnectionPool pool({.url = db->url(), .size = 2});
    store::StatusStore status(pool);
    auto failed = stored_report("sms-2", core::StateLabel::failed, 20);
    failed.send_success = 0;
    failed.send_failed = 1;
    failed.error_code = -114;
    (void)status.apply(std::vector{stored_report("sms-1", core::StateLabel::sent, 10), failed,
                                   stored_report("sms-3", core::StateLabel::waiting, 30),
                                   stored_report("old-1", core::StateLabel::failed, 40)});
    // Behind deliveryd's back: a failure turned into a delivery, a message
    // still waiting marked final with no next poll, and a row whose oldest
    // reports retention has dropped (submitted before any event partition).
    db->execute(R"sql(
        UPDATE delivery_state SET state = 'delivered', error_code = NULL WHERE sms_id = 'sms-2';
        UPDATE delivery_state SET state = 'delivered', is_final = true, final_at = now(),
                                  next_poll_at = NULL WHERE sms_id = 'sms-3';
        UPDATE delivery_state SET state = 'delivered', submitted_at = '2001-01-01'
            WHERE sms_id = 'old-1';
    )sql");
    const auto events_before = db->scalar("SELECT count(*) FROM delivery_event");

    const auto dry = deliveryd({"rebuild"});
    EXPECT_NE(dry.output.find("3 rows recomputed from delivery_event: 2 differ (--apply rewrites "
                              "them); 1 rows skipped"),
              std::string::npos)
        << dry.output;
    EXPECT_EQ(db->scalar("SELECT state FROM delivery_state WHERE sms_id = 'sms-2'"), "delivered")
        << "without --apply nothing changes";

    const auto applied = deliveryd({"rebuild", "--apply"});
    EXPECT_EQ(applied.exit_code, 0) << applied.output;
    EXPECT_NE(applied.output.find("3 rows recomputed from delivery_event: 2 differ, 2 rewritten; "
                                  "1 rows skipped"),
              std::string::npos)
        << applied.output;
    EXPECT_EQ(db->scalar("SELECT state || ' ' || is_final || ' ' || error_code "
                         "FROM delivery_state WHERE sms_id = 'sms-2'"),
              "failed true -114");
    EXPECT_EQ(db->scalar("SELECT state || ' ' || is_final || ' ' || (final_at IS NULL) || ' ' || "
                         "(next_poll_at IS NOT NULL) FROM delivery_state WHERE sms_id = 'sms-3'"),
              "waiting false true true")
        << "unresolved again, so due for polling";
    EXPECT_EQ(db->scalar("SELECT state FROM delivery_state WHERE sms_id = 'old-1'"), "delivered")
        << "a row whose history is incomplete is left alone";
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_event"), events_before)
        << "rewriting a row is no report";

    const auto again = deliveryd({"rebuild", "--apply"});
    EXPECT_NE(again.output.find("3 rows recomputed from delivery_event: 0 differ, 0 rewritten"),
              std::string::npos)
        << again.output;
}

TEST_F(OperatorCommands, RebuildApplyLosesNoReportThatArrivesWhileItRuns) {
    store::ConnectionPool pool({.url = db->url(), .size = 2});
    store::StatusStore status(pool);
    constexpr int rows = 2000;  // two chunks of rebuild's scan
    const auto id = [](int i) { return fmt::format("c-{:04}", i); };
    std::vector<core::Observation> waiting;
    for (int i = 0; i < rows; ++i) {
        waiting.push_back(stored_report(id(i), core::StateLabel::waiting, i));
    }
    (void)status.apply(waiting);
    db->execute(
        "UPDATE delivery_state SET state = 'failed', is_final = true, "
        "final_at = now(), next_poll_at = NULL");

    // The second chunk's first row is held, so rebuild --apply stops there:
    // it has scanned the chunk and found every row differing, and is waiting
    // to lock them. Reports arrive for the rest of the chunk meanwhile; it
    // must merge them, not write back what it computed before they came.
    pqxx::connection blocker(db->url());
    pqxx::work hold(blocker);
    hold.exec("SELECT 1 FROM delivery_state WHERE sms_id = 'c-1000' FOR UPDATE");
    testing::ChildProcess rebuild(DELIVERYD_BINARY, {"rebuild", "--config", config, "--apply"});
    bool waits = false;
    for (int tries = 0; tries < 300 && !waits; ++tries) {
        waits = db->scalar(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                    "'deliveryd' AND wait_event_type = 'Lock'") == "1";
        if (!waits) {
            std::this_thread::sleep_for(100ms);
        }
    }
    ASSERT_TRUE(waits) << rebuild.output();
    std::vector<core::Observation> delivered;
    for (int i = 0; i < rows; ++i) {
        if (id(i) != "c-1000") {
            delivered.push_back(stored_report(id(i), core::StateLabel::delivered, 10'000 + i));
        }
    }
    (void)status.apply(delivered);
    hold.commit();

    ASSERT_EQ(rebuild.wait_exit(60s), 0) << rebuild.output();
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE state = 'delivered'"),
              std::to_string(rows - 1))
        << rebuild.output();
    EXPECT_EQ(db->scalar("SELECT state FROM delivery_state WHERE sms_id = 'c-1000'"), "waiting");
    const auto check = deliveryd({"rebuild"});
    EXPECT_NE(
        check.output.find(fmt::format("{} rows recomputed from delivery_event: 0 differ", rows)),
        std::string::npos)
        << check.output << "\nthe concurrent run said: " << rebuild.output();
}

TEST_F(OperatorCommands, StatusShowsStatesBacklogAndPolling) {
    db->execute(R"sql(
        INSERT INTO delivery_state (sms_id, state, is_final, submitted_at, next_poll_at) VALUES
          ('a', 'sent', true, now(), NULL),
          ('b', 'submitted', false, now() - interval '2 hours', now() - interval '1 minute'),
          ('c', 'waiting', false, now() - interval '3 days', now() + interval '1 hour');
        INSERT INTO deliveryd_poll_activity
          (account, endpoint, scope, replica, rate_limit, utilisation, queued_calls, due_rows)
        VALUES ('default', 'get_callback', 'esms/default', 'pod-1/42', 20, 0.95, 3, 1);
    )sql");
    const auto result = deliveryd({"status"});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    for (const auto* expected : {"submitted", "waiting", "total                        3", "1h-6h",
                                 "1d-3d", "esms/default", "pod-1/42", "95%"}) {
        EXPECT_NE(result.output.find(expected), std::string::npos)
            << "missing '" << expected << "' in:\n"
            << result.output;
    }
}

TEST_F(OperatorCommands, StatusListsUnresolvedMessagesOfScopesNotConfigured) {
    // A configuration that polls eSMS account "default" only (status reads
    // the configuration; nothing is called).
    const auto polls_default = testing::write_temp_file(
        testing::daemon_config(db->url(),
                               "esms:\n  api_base: http://127.0.0.1:9\n  accounts:\n"
                               "    - {name: default, api_key: k, secret_key: s}\n"),
        ".yaml");
    db->execute(R"sql(
        INSERT INTO delivery_state (sms_id, provider, account, state, is_final) VALUES
          ('polled', 'esms', 'default', 'submitted', false),
          ('stray-1', 'esms', 'stray', 'submitted', false),
          ('stray-2', 'esms', 'stray', 'waiting', false),
          ('stray-final', 'esms', 'stray', 'delivered', true),
          ('et-1', 'etelecom', 'default', 'submitted', false);
    )sql");
    const auto result =
        testing::run_process(DELIVERYD_BINARY, {"status", "--config", polls_default}, 60s);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    const auto section = result.output.find("scopes this configuration does not poll");
    ASSERT_NE(section, std::string::npos) << result.output;
    const auto listed = result.output.substr(section);
    EXPECT_NE(listed.find("esms/stray                         2"), std::string::npos) << listed;
    EXPECT_NE(listed.find("etelecom                           1"), std::string::npos) << listed;
    EXPECT_EQ(listed.find("esms/default"), std::string::npos) << listed;
}

}  // namespace
}  // namespace deliveryd
