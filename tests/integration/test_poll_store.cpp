// PollStore and ScopeLocks against a real PostgreSQL: claims under a lease
// (scope, due time, limit, SKIP LOCKED), reschedules and releases, the due
// backlog, the claim's plan on a table of a million rows (sql/002), and the
// advisory locks that give each polling scope to one replica at a time.
#include <algorithm>
#include <chrono>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/poll_store.hpp"
#include "deliveryd/store/scope_locks.hpp"

#include "support/query_plan.hpp"
#include "support/scratch_database.hpp"
#include "support/state_rows.hpp"

namespace deliveryd {
namespace {

using core::Timestamp;
using store::PollScope;
using store::Reschedule;
using namespace std::chrono_literals;
using testing::at;
using testing::micros_of;
using testing::next_poll_micros;

PollScope esms(std::string account) {
    return PollScope{.kind = PollScope::Kind::esms_account, .account = std::move(account)};
}

PollScope etelecom() {
    return PollScope{.kind = PollScope::Kind::etelecom, .account = {}};
}

std::set<std::string> ids_of(const std::vector<core::State>& rows) {
    std::set<std::string> ids;
    for (const auto& row : rows) {
        ids.insert(row.sms_id);
    }
    return ids;
}

// A row due `age` seconds ago (negative: due in the future), at a fixed
// instant in the past so that "oldest due" is exact.
std::string row_sql(const std::string& id, const std::string& provider, const std::string& account,
                    bool is_final, const std::string& next_poll_at) {
    return fmt::format(
        "INSERT INTO delivery_state (sms_id, provider, account, is_final, state, next_poll_at) "
        "VALUES ('{}', '{}', '{}', {}, '{}', {});",
        id, provider, account, is_final ? "true" : "false", is_final ? "delivered" : "waiting",
        next_poll_at);
}

struct PollStoreTest : ::testing::Test {
    void SetUp() override {
        if (testing::admin_url().empty()) {
            GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)";
        }
        db = std::make_unique<testing::ScratchDatabase>();
        pool = std::make_unique<store::ConnectionPool>(
            store::PoolOptions{.url = db->url(), .size = 2});
        polls = std::make_unique<store::PollStore>(*pool);
    }
    std::unique_ptr<testing::ScratchDatabase> db;
    std::unique_ptr<store::ConnectionPool> pool;
    std::unique_ptr<store::PollStore> polls;
};

TEST_F(PollStoreTest, ClaimTakesDueUnresolvedRowsOfItsScopeOldestDueFirstUnderALease) {
    const std::string past = "timestamptz '2025-01-01 00:00:00+00'";
    db->execute(
        // esms/shop-a: four due (a1 oldest), one due later, one final, one never polled.
        row_sql("a3", "esms", "shop-a", false, past + " + interval '30 s'") +
        row_sql("a1", "esms", "shop-a", false, past + " + interval '10 s'") +
        row_sql("a4", "esms", "shop-a", false, past + " + interval '40 s'") +
        row_sql("a2", "esms", "shop-a", false, past + " + interval '20 s'") +
        row_sql("a-later", "esms", "shop-a", false, "now() + interval '1 hour'") +
        row_sql("a-final", "esms", "shop-a", true, past) +
        row_sql("a-null", "esms", "shop-a", false, "NULL") +
        // Other scopes: another eSMS account, and eTelecom rows of any account.
        row_sql("b1", "esms", "shop-b", false, past) +
        row_sql("e1", "etelecom", "shop-a", false, past + " + interval '5 s'") +
        row_sql("e2", "etelecom", "default", false, past + " + interval '6 s'") +
        row_sql("e-final", "etelecom", "default", true, past) +
        row_sql("e-later", "etelecom", "other", false, "now() + interval '1 hour'"));

    EXPECT_TRUE(polls->claim_due(esms("shop-a"), 0, 60s).empty()) << "limit 0 claims nothing";

    const auto first = polls->claim_due(esms("shop-a"), 3, 10min);
    EXPECT_EQ(ids_of(first), (std::set<std::string>{"a1", "a2", "a3"}))
        << "the three oldest due rows of esms/shop-a";
    for (const auto& row : first) {
        EXPECT_EQ(row.provider, core::Provider::esms);
        EXPECT_EQ(row.account, "shop-a");
        EXPECT_FALSE(row.is_final);
        ASSERT_TRUE(row.next_poll_at.has_value()) << row.sms_id;
        EXPECT_EQ(micros_of(*row.next_poll_at), next_poll_micros(*db, row.sms_id))
            << "rows come back as they are after the update";
    }
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE sms_id IN ('a1', 'a2', 'a3') "
                         "AND next_poll_at > now() + interval '9 minutes' "
                         "AND next_poll_at <= now() + interval '10 minutes'"),
              "3")
        << "claimed rows are leased: next_poll_at = now() + lease";

    const auto second = polls->claim_due(esms("shop-a"), 10, 10min);
    EXPECT_EQ(ids_of(second), std::set<std::string>{"a4"}) << "leased rows are not claimed again";
    EXPECT_TRUE(polls->claim_due(esms("shop-a"), 10, 10min).empty());

    EXPECT_EQ(ids_of(polls->claim_due(esms("shop-b"), 10, 10min)), std::set<std::string>{"b1"});
    EXPECT_TRUE(polls->claim_due(esms("nobody"), 10, 10min).empty());

    const auto tele = polls->claim_due(etelecom(), 10, 10min);
    EXPECT_EQ(ids_of(tele), (std::set<std::string>{"e1", "e2"}))
        << "eTelecom is one scope whatever the account";
    for (const auto& row : tele) {
        EXPECT_EQ(row.provider, core::Provider::etelecom);
    }
    EXPECT_TRUE(polls->claim_due(etelecom(), 10, 10min).empty());

    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id || '=' || coalesce(next_poll_at::text, 'NULL'), "
                         "',' ORDER BY sms_id) FROM delivery_state "
                         "WHERE sms_id IN ('a-final', 'e-final')"),
              "a-final=2025-01-01 00:00:00+00,e-final=2025-01-01 00:00:00+00")
        << "final rows are left alone";
    // An unresolved row registered with next_poll_at NULL got the grace
    // instead (the table's trigger), so it is not due yet either.
    EXPECT_EQ(db->scalar("SELECT next_poll_at > now() FROM delivery_state WHERE sms_id = 'a-null'"),
              "t");
}

TEST_F(PollStoreTest, ClaimSkipsRowsAnotherTransactionHoldsLocked) {
    std::string rows;
    for (int i = 1; i <= 5; ++i) {
        rows += row_sql(fmt::format("k{}", i), "esms", "shop-a", false,
                        fmt::format("now() - interval '{} minutes'", 10 - i));
    }
    db->execute(rows);
    const auto k1_before = next_poll_micros(*db, "k1");

    pqxx::connection blocker_connection(db->url());
    pqxx::work blocker(blocker_connection);
    // k1 and k2 are the oldest due: a claim that waited for them would hang here.
    (void)blocker.exec("SELECT sms_id FROM delivery_state WHERE sms_id IN ('k1', 'k2') FOR UPDATE");

    auto claim = std::async(std::launch::async,
                            [this] { return polls->claim_due(esms("shop-a"), 10, 10min); });
    if (claim.wait_for(10s) != std::future_status::ready) {
        blocker.abort();  // let the claim finish, so the test ends
        (void)claim.get();
        FAIL() << "the claim waited for rows another transaction holds locked";
    }
    EXPECT_EQ(ids_of(claim.get()), (std::set<std::string>{"k3", "k4", "k5"}));
    EXPECT_EQ(next_poll_micros(*db, "k1"), k1_before) << "a skipped row is not touched";
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE sms_id IN ('k1', 'k2') "
                         "AND next_poll_at < now()"),
              "2")
        << "skipped rows are still due";

    blocker.abort();
    EXPECT_EQ(ids_of(polls->claim_due(esms("shop-a"), 10, 10min)),
              (std::set<std::string>{"k1", "k2"}))
        << "once unlocked they are claimed";
}

TEST_F(PollStoreTest, ConcurrentClaimsNeverShareARow) {
    db->execute(
        "INSERT INTO delivery_state (sms_id, account, next_poll_at) "
        "SELECT 'c' || g, 'shop-a', now() - g * interval '1 second' "
        "FROM generate_series(1, 400) g");
    std::vector<std::string> claimed;
    std::mutex mutex;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (;;) {
                const auto rows = polls->claim_due(esms("shop-a"), 7, 10min);
                if (rows.empty()) {
                    return;
                }
                const std::lock_guard lock(mutex);
                for (const auto& row : rows) {
                    claimed.push_back(row.sms_id);
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(claimed.size(), 400U);
    EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(), 400U)
        << "no row was claimed twice";
}

TEST_F(PollStoreTest, RescheduleSetsTheNextPollCountsAnswersAndClearsFinalRows) {
    db->execute(row_sql("r1", "esms", "shop-a", false, "now()") +
                row_sql("r2", "esms", "shop-a", false, "now()") +
                row_sql("r3", "esms", "shop-a", true, "now()") +
                row_sql("r4", "etelecom", "default", false, "now()") +
                "UPDATE delivery_state SET poll_attempts = 2 WHERE sms_id = 'r2';");
    const std::vector<Reschedule> rows{
        {.sms_id = "r2", .next_poll_at = at(200) + 123us, .count_attempt = false},
        {.sms_id = "ghost", .next_poll_at = at(300), .count_attempt = true},
        {.sms_id = "r3", .next_poll_at = at(400), .count_attempt = true},
        {.sms_id = "r1", .next_poll_at = at(100), .count_attempt = true},
        {.sms_id = "r4", .next_poll_at = at(500), .count_attempt = true},
    };
    polls->reschedule(rows);

    EXPECT_EQ(next_poll_micros(*db, "r1"), micros_of(at(100)));
    EXPECT_EQ(next_poll_micros(*db, "r2"), micros_of(at(200) + 123us)) << "exact to the µs";
    EXPECT_EQ(next_poll_micros(*db, "r3"), "NULL") << "a final row is not polled again";
    EXPECT_EQ(next_poll_micros(*db, "r4"), micros_of(at(500)));
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id || '=' || poll_attempts, ',' ORDER BY sms_id) "
                         "FROM delivery_state"),
              "r1=1,r2=2,r3=1,r4=1")
        << "answered polls are counted (r3's answer too), unanswered ones are not";
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE sms_id = 'ghost'"), "0")
        << "an unknown id is skipped, not created";
    EXPECT_EQ(db->scalar("SELECT string_agg(state || ' ' || is_final, ',' ORDER BY sms_id) "
                         "FROM delivery_state"),
              "waiting false,waiting false,delivered true,waiting false")
        << "status fields are not written here";

    polls->reschedule({});  // nothing to do, no statement
    const std::vector<Reschedule> again{{.sms_id = "r1", .next_poll_at = at(600)},
                                        {.sms_id = "r1", .next_poll_at = at(600)}};
    polls->reschedule(again);
    EXPECT_EQ(next_poll_micros(*db, "r1"), micros_of(at(600)));
    EXPECT_EQ(db->scalar("SELECT poll_attempts FROM delivery_state WHERE sms_id = 'r1'"), "1");
}

TEST_F(PollStoreTest, EarlyClaimTakesAcceptedZnsPastTheirGapMostOverdueFirst) {
    // Accepted ZNS of shop-a (the Zalo lane), none due for an hour. The gap
    // is a quarter of the age, at least 5 s: "young" (submitted 20 s ago,
    // never claimed) is 20 s past a 5 s gap; "asked" (8 min old, claimed 3
    // min ago) is 180 s past a 120 s gap; "recent" (claimed 30 s ago
    // against a 120 s gap) is not eligible; "old" is past max_age; "due" is
    // for claim_due; the rest are of another lane, scope or final.
    const auto zns = [](const std::string& id, const std::string& account,
                        const std::string& submitted, const std::string& polled,
                        const std::string& next, bool is_final = false) {
        return fmt::format(
            "INSERT INTO delivery_state (sms_id, account, type_id, oa_id, partner_id, state, "
            "is_final, submitted_at, polled_at, next_poll_at) VALUES ('{}', '{}', 25, 'oa', "
            "'zalo-{}', '{}', {}, now() - interval '{}', {}, now() + interval '{}');",
            id, account, id, is_final ? "delivered" : "sent", is_final ? "true" : "false",
            submitted, polled, next);
    };
    db->execute(zns("young", "shop-a", "20 seconds", "NULL", "1 hour") +
                zns("asked", "shop-a", "8 minutes", "now() - interval '3 minutes'", "1 hour") +
                zns("recent", "shop-a", "8 minutes", "now() - interval '30 seconds'", "1 hour") +
                zns("old", "shop-a", "3 hours", "NULL", "1 hour") +
                zns("due", "shop-a", "20 seconds", "NULL", "-1 second") +
                zns("other", "shop-b", "20 seconds", "NULL", "1 hour") +
                zns("done", "shop-a", "20 seconds", "NULL", "1 hour", true) +
                row_sql("lookup", "esms", "shop-a", false, "now() + interval '1 hour'"));
    const store::EarlyClaim rule{.min_gap = 5s, .max_gap = 15min, .age_share = 0.25, .max_age = 2h};
    const auto due_before = next_poll_micros(*db, "young");
    const auto lane = store::ClaimLane::zalo_delivery;

    const auto first = polls->claim_early(esms("shop-a"), 1, 60s, lane, rule);
    ASSERT_EQ(first.size(), 1U);
    EXPECT_EQ(first[0].row.sms_id, "young") << "20 s past a 5 s gap beats 180 s past 120 s";
    EXPECT_EQ(micros_of(first[0].due_at), due_before) << "the next poll it had, to go back to";
    EXPECT_EQ(db->scalar("SELECT (next_poll_at - now() < interval '61 seconds') || ' ' || "
                         "(now() - polled_at < interval '1 second') FROM delivery_state "
                         "WHERE sms_id = 'young'"),
              "true true")
        << "leased, and noted as claimed";

    const auto rest = polls->claim_early(esms("shop-a"), 10, 60s, lane, rule);
    ASSERT_EQ(rest.size(), 1U) << "a row just claimed waits for its gap";
    EXPECT_EQ(rest[0].row.sms_id, "asked");
    EXPECT_TRUE(polls->claim_early(esms("shop-a"), 10, 60s, lane, rule).empty());
    EXPECT_TRUE(polls->claim_early(esms("shop-a"), 0, 60s, lane, rule).empty());

    // A scheduled claim notes the claim too.
    const auto due = polls->claim_due(esms("shop-a"), 10, 60s, lane);
    ASSERT_EQ(due.size(), 1U);
    EXPECT_EQ(due[0].sms_id, "due");
    EXPECT_EQ(db->scalar("SELECT polled_at IS NOT NULL FROM delivery_state WHERE sms_id = 'due'"),
              "t");
}

TEST_F(PollStoreTest, ReleaseMakesLeasedRowsDueNowButLeavesFinalRowsAlone) {
    db->execute(row_sql("x1", "esms", "shop-a", false, "now() - interval '1 minute'") +
                row_sql("x2", "esms", "shop-a", false, "now() - interval '1 minute'") +
                row_sql("x3", "esms", "shop-a", true, "NULL") +
                row_sql("x4", "esms", "shop-a", true, "now() + interval '1 hour'"));
    ASSERT_EQ(ids_of(polls->claim_due(esms("shop-a"), 10, 1h)),
              (std::set<std::string>{"x1", "x2"}));
    ASSERT_TRUE(polls->claim_due(esms("shop-a"), 10, 1h).empty());

    const std::vector<std::string> ids{"x2", "x3", "x4", "ghost"};
    polls->release(ids);
    EXPECT_EQ(
        db->scalar("SELECT count(*) FROM delivery_state WHERE sms_id = 'x2' "
                   "AND next_poll_at <= now() AND next_poll_at > now() - interval '1 minute'"),
        "1")
        << "released: due now";
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE sms_id = 'x1' "
                         "AND next_poll_at > now() + interval '50 minutes'"),
              "1")
        << "rows not released keep their lease";
    EXPECT_EQ(next_poll_micros(*db, "x3"), "NULL");
    EXPECT_EQ(db->scalar("SELECT next_poll_at > now() + interval '50 minutes' FROM delivery_state "
                         "WHERE sms_id = 'x4'"),
              "t")
        << "a final row is left as it is";
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE sms_id = 'ghost'"), "0");
    EXPECT_EQ(db->scalar("SELECT sum(poll_attempts) FROM delivery_state"), "0");

    EXPECT_EQ(ids_of(polls->claim_due(esms("shop-a"), 10, 1h)), std::set<std::string>{"x2"})
        << "a released row is claimed on the next tick";
    polls->release({});
}

TEST_F(PollStoreTest, DueBacklogCountsDueRowsOfTheScopeUpToTheCap) {
    db->execute(
        "INSERT INTO delivery_state (sms_id, provider, account, is_final, next_poll_at) "
        "SELECT 'a' || g, 'esms', 'shop-a', false, "
        "       timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second' "
        "FROM generate_series(1, 5) g;" +
        row_sql("a-final", "esms", "shop-a", true, "timestamptz '2024-01-01 00:00:00+00'") +
        row_sql("a-later", "esms", "shop-a", false, "now() + interval '1 hour'") +
        row_sql("a-null", "esms", "shop-a", false, "NULL") +
        row_sql("b1", "esms", "shop-b", false, "timestamptz '2024-06-01 00:00:00+00'") +
        row_sql("e1", "etelecom", "shop-a", false, "timestamptz '2024-03-01 00:00:00+00'") +
        row_sql("e2", "etelecom", "other", false, "timestamptz '2024-02-01 00:00:00+00'") +
        row_sql("e-later", "etelecom", "other", false, "now() + interval '1 hour'"));
    const auto first_due = Timestamp{std::chrono::sys_days{std::chrono::January / 1 / 2025}} + 1s;

    const auto a = polls->due_backlog(esms("shop-a"));
    EXPECT_EQ(a.due_rows, 5U);
    ASSERT_TRUE(a.oldest_due.has_value());
    EXPECT_EQ(*a.oldest_due, first_due);

    const auto capped = polls->due_backlog(esms("shop-a"), 3);
    EXPECT_EQ(capped.due_rows, 3U) << "counted up to the cap";
    ASSERT_TRUE(capped.oldest_due.has_value());
    EXPECT_EQ(*capped.oldest_due, first_due) << "the oldest is among those counted";

    const auto tele = polls->due_backlog(etelecom());
    EXPECT_EQ(tele.due_rows, 2U);
    ASSERT_TRUE(tele.oldest_due.has_value());
    EXPECT_EQ(*tele.oldest_due, Timestamp{std::chrono::sys_days{std::chrono::February / 1 / 2024}});

    const auto none = polls->due_backlog(esms("nobody"));
    EXPECT_EQ(none.due_rows, 0U);
    EXPECT_FALSE(none.oldest_due.has_value());

    // A claim leases rows out of the backlog.
    (void)polls->claim_due(esms("shop-a"), 2, 10min);
    const auto after = polls->due_backlog(esms("shop-a"));
    EXPECT_EQ(after.due_rows, 3U);
    ASSERT_TRUE(after.oldest_due.has_value());
    EXPECT_EQ(*after.oldest_due, first_due + 2s);
}

// Whether `plan` reads the index `name` (an index, index-only or bitmap index scan).
bool uses_index(const std::string& plan, const std::string& name) {
    return plan.find(" " + name + " ") != std::string::npos;
}

// The claim at scale: however large delivery_state grows, a scope's claim
// reads its own partial index (sql/002_poll_scopes.sql), never the table.
TEST_F(PollStoreTest, ClaimPlanUsesTheScopeIndexAtAMillionRows) {
    const auto started = std::chrono::steady_clock::now();
    // The statements exactly as PollStore sends them: a statement-level
    // trigger records current_query() (the full text, with its $1..$3) for
    // each claim, so this test neither copies nor exports claim_sql.
    db->execute(R"sql(
        CREATE TABLE captured_claim (statement text);
        CREATE FUNCTION capture_claim() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO captured_claim VALUES (current_query());
            RETURN NULL;
        END $$;
        CREATE TRIGGER capture_claim AFTER UPDATE ON delivery_state
            FOR EACH STATEMENT EXECUTE FUNCTION capture_claim();)sql");
    (void)polls->claim_due(esms("acct-1"), 200, 30s);
    const auto esms_claim = db->scalar("SELECT statement FROM captured_claim");
    db->execute("TRUNCATE captured_claim");
    (void)polls->claim_due(etelecom(), 200, 30s);
    const auto etelecom_claim = db->scalar("SELECT statement FROM captured_claim");
    db->execute("TRUNCATE captured_claim");
    (void)polls->claim_due(esms("acct-1"), 200, 30s, store::ClaimLane::zalo_delivery);
    const auto zalo_claim = db->scalar("SELECT statement FROM captured_claim");
    db->execute("TRUNCATE captured_claim");
    (void)polls->claim_early(
        esms("acct-1"), 200, 30s, store::ClaimLane::zalo_delivery,
        store::EarlyClaim{.min_gap = 5s, .max_gap = 15min, .age_share = 0.25, .max_age = 2h});
    const auto early_claim = db->scalar("SELECT statement FROM captured_claim");
    db->execute("DROP TRIGGER capture_claim ON delivery_state");
    ASSERT_NE(esms_claim.find("FOR UPDATE SKIP LOCKED"), std::string::npos) << esms_claim;
    ASSERT_NE(etelecom_claim.find("provider = 'etelecom'"), std::string::npos) << etelecom_claim;

    // 1,000,000 rows: 95% final (not polled); of the 50,000 unresolved,
    // 10,000 eTelecom and 40,000 eSMS over four accounts, half of each due.
    db->execute(R"sql(
        INSERT INTO delivery_state (sms_id, provider, account, type_id, phone, state, is_final,
                                    send_status, submitted_at, updated_at, final_at,
                                    resolved_by, poll_attempts, next_poll_at)
        SELECT 'msg-' || g,
               CASE WHEN g % 100 IN (0, 1) THEN 'etelecom' ELSE 'esms' END,
               'acct-' || (g / 20) % 4,
               2, '09' || lpad((g % 100000000)::text, 8, '0'),
               CASE WHEN g % 20 = 0 THEN 'waiting' ELSE 'sent' END,
               g % 20 <> 0,
               CASE WHEN g % 20 = 0 THEN 2 ELSE 5 END,
               now() - (g % 86400) * interval '1 second', now(),
               CASE WHEN g % 20 = 0 THEN NULL ELSE now() END,
               CASE WHEN g % 20 = 0 THEN NULL ELSE 'callback' END,
               g % 5,
               CASE WHEN g % 20 = 0 THEN now() + ((g % 7200) - 3600) * interval '1 second' END
        FROM generate_series(1, 1000000) g;
        ANALYZE delivery_state;)sql");
    const auto inserted = std::chrono::steady_clock::now();
    ASSERT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE NOT is_final AND "
                         "provider = 'esms' AND account = 'acct-1'"),
              "10000");
    ASSERT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE NOT is_final AND "
                         "provider = 'etelecom'"),
              "10000");

    pqxx::connection c(db->url());
    {
        pqxx::nontransaction tx(c);
        // deliveryd sends each claim unnamed with its parameters (exec_params):
        // the server plans it for those values, as a custom plan does.
        tx.exec("SET plan_cache_mode = force_custom_plan");
    }
    const auto esms_plan = testing::query_plan(c, esms_claim, "'acct-1', 200, 30000");
    const auto etelecom_plan = testing::query_plan(c, etelecom_claim, "'etelecom', 200, 30000");
    std::cout << "eSMS claim (esms/acct-1), 1,000,000 rows:\n"
              << esms_plan << "eTelecom claim, 1,000,000 rows:\n"
              << etelecom_plan;
    EXPECT_EQ(esms_plan.find("Seq Scan"), std::string::npos) << esms_plan;
    EXPECT_TRUE(uses_index(esms_plan, "delivery_state_due")) << esms_plan;
    EXPECT_EQ(etelecom_plan.find("Seq Scan"), std::string::npos) << etelecom_plan;
    EXPECT_TRUE(uses_index(etelecom_plan, "delivery_state_due_etelecom")) << etelecom_plan;
    const auto zalo_plan = testing::query_plan(c, zalo_claim, "'acct-1', 200, 30000");
    EXPECT_EQ(zalo_plan.find("Seq Scan"), std::string::npos) << zalo_plan;
    EXPECT_TRUE(uses_index(zalo_plan, "delivery_state_due_zalo")) << zalo_plan;
    const auto early_plan =
        testing::query_plan(c, early_claim, "'acct-1', 200, 30000, 5, 900, 0.25, 7200");
    std::cout << "early claim (esms/acct-1, Zalo lane), 1,000,000 rows:\n" << early_plan;
    EXPECT_EQ(early_plan.find("Seq Scan"), std::string::npos) << early_plan;

    // And the claims themselves, through PollStore.
    const auto claim_started = std::chrono::steady_clock::now();
    const auto rows = polls->claim_due(esms("acct-1"), 200, 30s);
    const auto tele = polls->claim_due(etelecom(), 200, 30s);
    const auto claimed = std::chrono::steady_clock::now();
    EXPECT_EQ(rows.size(), 200U);
    EXPECT_TRUE(std::all_of(rows.begin(), rows.end(), [](const core::State& row) {
        return row.account == "acct-1" && row.provider == core::Provider::esms && !row.is_final;
    }));
    EXPECT_EQ(tele.size(), 200U);
    EXPECT_TRUE(std::all_of(tele.begin(), tele.end(), [](const core::State& row) {
        return row.provider == core::Provider::etelecom && !row.is_final;
    }));
    const auto backlog = polls->due_backlog(esms("acct-1"));
    EXPECT_GT(backlog.due_rows, 4000U);
    EXPECT_LT(backlog.due_rows, 5100U);

    using ms = std::chrono::milliseconds;
    std::cout << "insert + ANALYZE: " << std::chrono::duration_cast<ms>(inserted - started).count()
              << " ms; two claims of 200: "
              << std::chrono::duration_cast<ms>(claimed - claim_started).count()
              << " ms; whole test: "
              << std::chrono::duration_cast<ms>(std::chrono::steady_clock::now() - started).count()
              << " ms\n";
}

// ---------------------------------------------------------------------------
// ScopeLocks

std::vector<PollScope> three_scopes() {
    return {esms("shop-a"), esms("shop-b"), etelecom()};
}

std::set<PollScope> as_set(const std::vector<PollScope>& scopes) {
    return {scopes.begin(), scopes.end()};
}

// How many polling scope locks the pollers of this database hold, by scope name.
std::string advisory_locks(const testing::ScratchDatabase& db) {
    return db.scalar(
        "SELECT coalesce(string_agg(s, ',' ORDER BY s), '') "
        "FROM unnest(ARRAY['esms/shop-a', 'esms/shop-b', 'esms/shop-c', 'etelecom']) AS s "
        "WHERE EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
        "  WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
        "  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "  AND a.application_name = 'deliveryd-poller' "
        "  AND ((l.classid::bigint << 32) | l.objid::bigint) = "
        "      hashtextextended('deliveryd.poll/' || s, 0))");
}

int poller_sessions(pqxx::transaction_base& tx) {
    return tx
        .exec1(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
            "'deliveryd-poller' AND datname = current_database()")[0]
        .as<int>();
}

// Waits until `count` poller sessions are left on this database. A session
// closed by its client ends a moment later on the server, and only then are
// its locks free (release_all() does not wait for that).
void wait_for_pollers(const testing::ScratchDatabase& db, int count) {
    pqxx::connection c(db.url());
    pqxx::nontransaction tx(c);
    for (int i = 0; i < 200 && poller_sessions(tx) != count; ++i) {
        std::this_thread::sleep_for(25ms);
    }
    ASSERT_EQ(poller_sessions(tx), count);
}

// Ends every poller session of this database, as a DBA (or a dead host) would.
int kill_pollers(const testing::ScratchDatabase& db) {
    pqxx::connection admin(db.url());
    pqxx::nontransaction tx(admin);
    const auto killed = tx.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'deliveryd-poller' AND datname = current_database()");
    // pg_terminate_backend only signals: wait until the sessions are gone
    // (a backend frees its locks before it leaves pg_stat_activity).
    for (int i = 0; i < 200 && poller_sessions(tx) != 0; ++i) {
        std::this_thread::sleep_for(25ms);
    }
    return static_cast<int>(killed.size());
}

TEST(ScopeLocks, OneReplicaHoldsEachScopeAndAnotherTakesOverWhenItLetsGo) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    const auto scopes = three_scopes();
    auto a = std::make_unique<store::ScopeLocks>(db.url(), 5s, scopes);
    store::ScopeLocks b(db.url(), 5s, scopes);

    EXPECT_EQ(a->refresh(), as_set(scopes)) << "the first replica takes every free scope";
    EXPECT_EQ(a->held(), as_set(scopes));
    EXPECT_TRUE(b.refresh().empty()) << "the second gets none";
    EXPECT_TRUE(b.refresh().empty());
    EXPECT_EQ(a->refresh(), as_set(scopes)) << "refresh keeps what it holds";
    EXPECT_EQ(advisory_locks(db), "esms/shop-a,esms/shop-b,etelecom")
        << "one advisory lock per scope, keyed as documented";

    a->release_all();
    EXPECT_TRUE(a->held().empty());
    wait_for_pollers(db, 1);
    EXPECT_EQ(b.refresh(), as_set(scopes)) << "freed scopes are taken over on the next refresh";
    EXPECT_TRUE(a->refresh().empty()) << "and the first replica no longer gets them";

    // Destroying the holder frees its scopes too.
    store::ScopeLocks c(db.url(), 5s, scopes);
    EXPECT_TRUE(c.refresh().empty());
    b.release_all();
    a.reset();
    wait_for_pollers(db, 1);
    EXPECT_EQ(c.refresh(), as_set(scopes));
}

TEST(ScopeLocks, ReplicasWithOverlappingScopesSplitThem) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    store::ScopeLocks a(db.url(), 5s, {esms("shop-a"), esms("shop-b")});
    store::ScopeLocks b(db.url(), 5s, {esms("shop-b"), esms("shop-c"), etelecom()});
    EXPECT_EQ(a.refresh(), (std::set<PollScope>{esms("shop-a"), esms("shop-b")}));
    // Of B's three scopes among two replicas, B takes one while it holds
    // fewer than A (the share rounded down), then a second (rounded up).
    EXPECT_EQ(b.refresh().size(), 1u);
    EXPECT_EQ(b.refresh(), (std::set<PollScope>{esms("shop-c"), etelecom()}));
    EXPECT_EQ(advisory_locks(db), "esms/shop-a,esms/shop-b,esms/shop-c,etelecom");
    a.release_all();
    wait_for_pollers(db, 1);
    EXPECT_EQ(b.refresh(), (std::set<PollScope>{esms("shop-b"), esms("shop-c"), etelecom()}));
}

TEST(ScopeLocks, AReplicaHoldingTwoMoreThanAnotherReportsASurplusAndGivesItUp) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    store::ScopeLocks a(db.url(), 5s, {esms("shop-a"), esms("shop-b")});
    store::ScopeLocks b(db.url(), 5s, {esms("shop-a"), esms("shop-b"), esms("shop-c")});
    EXPECT_EQ(a.refresh().size(), 2u) << "alone, A takes both";
    EXPECT_EQ(a.replicas(), 1u);
    EXPECT_EQ(a.surplus(), 0u);
    EXPECT_EQ(b.refresh(), (std::set<PollScope>{esms("shop-c")}));
    EXPECT_EQ(b.replicas(), 2u);
    EXPECT_EQ(a.refresh().size(), 2u) << "refresh never gives anything up itself";
    EXPECT_EQ(a.surplus(), 1u) << "A holds two of its scopes, B none of them";

    ASSERT_TRUE(a.release(esms("shop-b")));
    EXPECT_EQ(a.held(), (std::set<PollScope>{esms("shop-a")}));
    EXPECT_EQ(b.refresh(), (std::set<PollScope>{esms("shop-b"), esms("shop-c")}));
    EXPECT_EQ(a.refresh(), (std::set<PollScope>{esms("shop-a")}));
    EXPECT_EQ(a.surplus(), 0u);
    EXPECT_EQ(advisory_locks(db), "esms/shop-a,esms/shop-b,esms/shop-c");
    EXPECT_FALSE(a.release(esms("shop-b"))) << "not held";
}

TEST(ScopeLocks, AKilledSessionNeverReportsAScopeAnotherReplicaHolds) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    const auto scopes = three_scopes();
    store::ScopeLocks a(db.url(), 5s, scopes);
    store::ScopeLocks b(db.url(), 5s, scopes);
    ASSERT_EQ(a.refresh(), as_set(scopes));
    ASSERT_TRUE(b.refresh().empty());

    // Kill both sessions (B's holds nothing), then B reconnects first and takes everything.
    EXPECT_EQ(kill_pollers(db), 2);
    EXPECT_EQ(advisory_locks(db), "") << "the server freed the killed session's locks";
    EXPECT_TRUE(b.refresh().empty()) << "the refresh that notices the broken session holds nothing";
    EXPECT_EQ(b.refresh(), as_set(scopes)) << "B reconnects and takes the free scopes";
    EXPECT_TRUE(a.refresh().empty()) << "A's session is gone: it must not report what B holds";
    EXPECT_TRUE(a.held().empty());
    EXPECT_TRUE(a.refresh().empty()) << "A reconnected, B still holds every scope";

    b.release_all();
    wait_for_pollers(db, 1);
    EXPECT_EQ(a.refresh(), as_set(scopes));
}

TEST(ScopeLocks, AKilledSessionReportsNothingThenRetakesFreeScopes) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    const auto scopes = three_scopes();
    store::ScopeLocks a(db.url(), 5s, scopes);
    ASSERT_EQ(a.refresh(), as_set(scopes));

    EXPECT_EQ(kill_pollers(db), 1);
    EXPECT_TRUE(a.refresh().empty())
        << "the refresh that finds the session dead reports nothing held";
    EXPECT_EQ(a.refresh(), as_set(scopes)) << "the next one reconnects and takes them again";
    EXPECT_EQ(advisory_locks(db), "esms/shop-a,esms/shop-b,etelecom");
}

TEST(ScopeLocks, AnUnreachableDatabaseMeansNothingHeld) {
    store::ScopeLocks a("postgresql://postgres@127.0.0.1:1/nothing", 1s, three_scopes());
    EXPECT_TRUE(a.refresh().empty());
    EXPECT_TRUE(a.refresh().empty());
    a.release_all();
}

}  // namespace
}  // namespace deliveryd
