// The edges of the status model against a real PostgreSQL: a row that a later
// report makes unresolved again is polled and resolved, the database keeps
// every unresolved row polled whoever writes it (an older release during a
// rolling deploy included), migration 004 repairs rows already stuck, and a
// scheduled message's polling starts from its scheduled time.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/migrations.hpp"
#include "deliveryd/store/poll_store.hpp"
#include "deliveryd/store/status_store.hpp"

#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using core::Observation;
using core::Source;
using core::StateLabel;
using namespace std::chrono_literals;

Observation typed_report(const std::string& id, StateLabel label, std::optional<int> type_id) {
    Observation o;
    o.sms_id = id;
    o.source = Source::callback;
    o.observed_at = core::timestamp_now();
    o.state = label;
    o.send_status = 5;
    o.send_success = 1;
    o.send_failed = 0;
    o.type_id = type_id;
    o.raw = "SMSID=" + id;
    return o;
}

struct TruthFixture : ::testing::Test {
    void SetUp() override {
        if (testing::admin_url().empty()) {
            GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)";
        }
        db = std::make_unique<testing::ScratchDatabase>();
        pool = std::make_unique<store::ConnectionPool>(
            store::PoolOptions{.url = db->url(), .size = 2});
        status = std::make_unique<store::StatusStore>(*pool);
        polls = std::make_unique<store::PollStore>(*pool);
    }
    [[nodiscard]] std::string column(const std::string& id, const std::string& expression) const {
        return db->scalar(
            fmt::format("SELECT {} FROM delivery_state WHERE sms_id = '{}'", expression, id));
    }
    std::unique_ptr<testing::ScratchDatabase> db;
    std::unique_ptr<store::ConnectionPool> pool;
    std::unique_ptr<store::StatusStore> status;
    std::unique_ptr<store::PollStore> polls;
};

TEST_F(TruthFixture, ARowMadeUnresolvedAgainIsPolledAndResolved) {
    // Decided as an SMS while its type was unknown: final, no next poll.
    const std::vector<Observation> first{typed_report("flip-1", StateLabel::sent, std::nullopt)};
    (void)status->apply(first);
    EXPECT_EQ(column("flip-1", "is_final"), "t");
    EXPECT_EQ(column("flip-1", "next_poll_at IS NULL"), "t");

    // A ZNS report for the same id: a ZNS at `sent` waits for its receipt.
    const std::vector<Observation> zns{typed_report("flip-1", StateLabel::sent, 25)};
    (void)status->apply(zns);
    EXPECT_EQ(column("flip-1", "is_final"), "f");
    EXPECT_EQ(column("flip-1", "next_poll_at <= now()"), "t");

    // The scheduler's claim finds it...
    const store::PollScope scope{.kind = store::PollScope::Kind::esms_account,
                                 .account = "default"};
    const auto claimed = polls->claim_due(scope, 10, 30s, store::ClaimLane::lookup);
    ASSERT_EQ(claimed.size(), 1U);
    EXPECT_EQ(claimed[0].sms_id, "flip-1");

    // ...and its window's end makes it final with the status it has.
    const std::vector<store::WindowClose> closes{{"flip-1", core::timestamp_now()}};
    (void)status->close_windows(closes);
    EXPECT_EQ(column("flip-1", "is_final"), "t");
    EXPECT_EQ(column("flip-1", "state"), "sent");
    EXPECT_EQ(column("flip-1", "next_poll_at IS NULL"), "t");
}

TEST_F(TruthFixture, TheDatabaseGivesEveryUnresolvedRowANextPoll) {
    db->execute("DELETE FROM deliveryd_settings WHERE name = 'reconcile.grace'");
    db->execute(
        "INSERT INTO deliveryd_settings (name, value) VALUES ('reconcile.grace', '3 minutes')");

    // A sender naming next_poll_at NULL gets the grace.
    db->execute("INSERT INTO delivery_state (sms_id, next_poll_at) VALUES ('null-1', NULL)");
    EXPECT_EQ(column("null-1",
                     "next_poll_at - now() BETWEEN interval '2 minutes 50 seconds' "
                     "AND interval '3 minutes'"),
              "t");

    // A write of an older release that leaves an unresolved row without a
    // next poll is not refused: the row is due now.
    db->execute(
        "INSERT INTO delivery_state (sms_id, state, is_final, next_poll_at) "
        "VALUES ('old-1', 'sent', true, NULL)");
    db->execute(
        "UPDATE delivery_state SET is_final = false, next_poll_at = NULL "
        "WHERE sms_id = 'old-1'");
    EXPECT_EQ(column("old-1", "next_poll_at <= now()"), "t");

    // Final rows keep no next poll.
    db->execute(
        "UPDATE delivery_state SET is_final = true, next_poll_at = NULL "
        "WHERE sms_id = 'old-1'");
    EXPECT_EQ(column("old-1", "next_poll_at IS NULL"), "t");

    // An older release storing Zalo's success code as an error: cleared.
    db->execute(
        "UPDATE delivery_state SET error_code = 0, error_message = 'Success' "
        "WHERE sms_id = 'old-1'");
    EXPECT_EQ(column("old-1", "error_code IS NULL AND error_message IS NULL"), "t");

    // Invariant over the whole table.
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE NOT is_final "
                         "AND next_poll_at IS NULL"),
              "0");
}

TEST_F(TruthFixture, AScheduledMessageIsPolledFromItsScheduledTime) {
    db->execute(
        "INSERT INTO delivery_state (sms_id, type_id, scheduled_at) "
        "VALUES ('later-1', 2, now() + interval '3 days')");
    // The first poll waits for the scheduled time plus the grace (2 minutes).
    EXPECT_EQ(column("later-1", "next_poll_at = scheduled_at + interval '2 minutes'"), "t");

    // Once due, the claim counts its window from the scheduled time.
    db->execute(
        "UPDATE delivery_state SET next_poll_at = now() - interval '1 second', "
        "scheduled_at = now() - interval '1 hour', "
        "submitted_at = now() - interval '6 days' WHERE sms_id = 'later-1'");
    const store::PollScope scope{.kind = store::PollScope::Kind::esms_account,
                                 .account = "default"};
    const auto claimed = polls->claim_due(scope, 10, 30s, store::ClaimLane::lookup);
    ASSERT_EQ(claimed.size(), 1U);
    const auto window_start = claimed[0].submitted_at;
    EXPECT_GT(window_start, core::timestamp_now() - 2h);
    EXPECT_LT(window_start, core::timestamp_now() - 50min);
}

TEST(TruthMigration, RepairsRowsStuckOrHoldingTheSuccessCode) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db(/*migrated=*/false);
    const auto& all = store::embedded_migrations();
    ASSERT_GE(all.size(), 4U);
    const std::vector<store::MigrationSource> before(all.begin(), all.begin() + 3);
    (void)store::migrate(db.url(), before);

    // As the previous release could leave them.
    db.execute(
        "INSERT INTO delivery_state (sms_id, type_id, state, is_final, next_poll_at) "
        "VALUES ('stuck-1', 25, 'sent', false, NULL), "
        "('fine-1', 25, 'sent', false, now() + interval '1 hour'), "
        "('final-1', 2, 'sent', true, NULL)");
    db.execute(
        "INSERT INTO delivery_state (sms_id, type_id, state, is_final, error_code, "
        "error_message, next_poll_at) VALUES "
        "('ok-26', 26, 'sent', true, 0, 'Success', NULL), "
        "('err-25', 25, 'failed', true, -114, 'inactive', NULL)");

    (void)store::migrate(db.url());
    const auto value = [&db](const std::string& id, const std::string& expression) {
        return db.scalar(
            fmt::format("SELECT {} FROM delivery_state WHERE sms_id = '{}'", expression, id));
    };
    EXPECT_EQ(value("stuck-1", "next_poll_at <= now()"), "t");
    EXPECT_EQ(value("fine-1", "next_poll_at > now() + interval '50 minutes'"), "t");
    EXPECT_EQ(value("final-1", "next_poll_at IS NULL"), "t");
    EXPECT_EQ(value("ok-26", "error_code IS NULL AND error_message IS NULL"), "t");
    EXPECT_EQ(value("err-25", "error_code"), "-114");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_provider_errors"), "1");
}

}  // namespace
}  // namespace deliveryd
