// The archive against a real PostgreSQL: only rows final for long enough
// move, a batch at a time, never waiting for a row a writer holds; reports
// keep arriving meanwhile, about new messages and about the very rows being
// moved, and every message ends as one row holding every report; a late
// report about an archived message ends in that message's row; retention
// drops whole old months of the archive only.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "deliveryd/store/archive.hpp"
#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/operator_queries.hpp"
#include "deliveryd/store/status_store.hpp"

#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using core::Observation;
using core::Source;
using core::StateLabel;
using namespace std::chrono_literals;

constexpr auto ninety_days = std::chrono::milliseconds(std::chrono::hours(24 * 90));

Observation telco_report(const std::string& id, StateLabel label, int telco_id) {
    Observation o;
    o.sms_id = id;
    o.source = Source::callback;
    o.observed_at = core::Timestamp(std::chrono::duration_cast<core::Timestamp::duration>(
        std::chrono::system_clock::now().time_since_epoch()));
    o.state = label;
    o.send_status = 5;
    o.type_id = 2;
    o.telco_id = telco_id;
    o.raw = "SMSID=" + id;
    return o;
}

// `count` SMS rows named <prefix>0.., sent and final since `final_days` ago,
// registered a day before that.
std::string old_rows(const std::string& prefix, int count, int final_days) {
    return "INSERT INTO delivery_state (sms_id, account, type_id, phone, state, is_final, "
           "resolved_by, state_source, state_at, final_at, submitted_at, next_poll_at) "
           "SELECT '" +
           prefix + "' || g, 'acct-a', 2, '0912345678', 'sent', true, 'callback', 'callback', " +
           "now() - interval '" + std::to_string(final_days) + " days', now() - interval '" +
           std::to_string(final_days) + " days', now() - interval '" +
           std::to_string(final_days + 1) + " days', NULL FROM generate_series(0, " +
           std::to_string(count - 1) + ") AS g";
}

struct Archive : ::testing::Test {
    void SetUp() override {
        if (testing::admin_url().empty()) {
            GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)";
        }
        db = std::make_unique<testing::ScratchDatabase>();
        pool = std::make_unique<store::ConnectionPool>(
            store::PoolOptions{.url = db->url(), .size = 4});
        status = std::make_unique<store::StatusStore>(*pool);
    }

    [[nodiscard]] std::int64_t archive_all(int batch) const {
        std::int64_t moved = 0;
        for (;;) {
            const auto step = store::archive_batch(*pool, ninety_days, batch);
            EXPECT_LE(step, batch);
            moved += step;
            if (step == 0) {
                return moved;
            }
        }
    }

    std::unique_ptr<testing::ScratchDatabase> db;
    std::unique_ptr<store::ConnectionPool> pool;
    std::unique_ptr<store::StatusStore> status;
};

TEST_F(Archive, MovesOnlyRowsFinalForLongEnoughInBatches) {
    db->execute(old_rows("old-", 5, 100));
    db->execute(old_rows("recent-", 1, 2));
    db->execute(old_rows("late-final-", 1, 89));  // registered 90 days ago, final for 89
    db->execute(
        "INSERT INTO delivery_state (sms_id, state, submitted_at) "
        "VALUES ('open-0', 'waiting', now() - interval '200 days')");

    std::vector<std::int64_t> steps;
    for (std::int64_t step = -1; step != 0;) {
        step = store::archive_batch(*pool, ninety_days, 2);
        steps.push_back(step);
    }
    EXPECT_EQ(steps, (std::vector<std::int64_t>{2, 2, 1, 0}));
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id, ' ' ORDER BY sms_id) FROM delivery_state"),
              "late-final-0 open-0 recent-0");
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id, ' ' ORDER BY sms_id) FROM "
                         "delivery_state_archive"),
              "old-0 old-1 old-2 old-3 old-4");
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state_all"), "8");
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state_all WHERE archived"), "5");
    EXPECT_EQ(db->scalar("SELECT bool_and(phone = '0912345678' AND account = 'acct-a') FROM "
                         "delivery_state_archive"),
              "t")
        << "every column moves";

    const auto summary = store::read_archive_summary(*pool);
    ASSERT_EQ(summary.partitions.size(), 1U) << "one month of final_at";
    EXPECT_EQ(summary.partitions[0].name,
              "delivery_state_archive_" +
                  db->scalar("SELECT to_char(now() AT TIME ZONE 'UTC' - interval '100 days', "
                             "'YYYY_MM')"));
    EXPECT_EQ(summary.rows_archived, 5);
    EXPECT_TRUE(summary.last_archived_at.has_value());
}

TEST_F(Archive, NeverWaitsForARowAWriterHolds) {
    db->execute(old_rows("old-", 3, 100));
    pqxx::connection holder(db->url());
    pqxx::work held(holder);
    held.exec("SELECT 1 FROM delivery_state WHERE sms_id = 'old-1' FOR UPDATE");

    EXPECT_EQ(archive_all(10), 2) << "the held row is skipped, not waited for";
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id, ' ') FROM delivery_state"), "old-1");
    held.abort();
    EXPECT_EQ(archive_all(10), 1) << "and moves on a later pass";
}

TEST_F(Archive, ALateReportAboutAnArchivedMessageEndsInItsRow) {
    db->execute(old_rows("old-", 2, 100));
    ASSERT_EQ(archive_all(100), 2);

    // The callback path does not look in the archive: the report creates a
    // fresh row, as for any id it does not know.
    const auto late = status->apply(std::vector{telco_report("old-0", StateLabel::sent, 3)});
    EXPECT_EQ(late.outcomes, std::vector{store::ApplyOutcome::created});
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state_all WHERE sms_id = 'old-0'"), "2");

    const auto pass = store::restore_late_reports(*pool, 10min);
    ASSERT_TRUE(pass.has_value());
    EXPECT_EQ(pass->restored, 1);
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state_all WHERE sms_id = 'old-0'"), "1");
    EXPECT_EQ(db->scalar("SELECT concat_ws(' ', account, phone, telco_id, state, is_final, "
                         "submitted_at < now() - interval '100 days') "
                         "FROM delivery_state WHERE sms_id = 'old-0'"),
              "acct-a 0912345678 3 sent t t")
        << "the archived row, with what the late report added";
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state_archive"), "1");

    // A search finds only what is new: nothing more to put together.
    const auto again = store::restore_late_reports(*pool, 10min);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->restored, 0);

    // Final and old, the message returns to the archive, whole.
    EXPECT_EQ(archive_all(100), 1);
    EXPECT_EQ(db->scalar("SELECT concat_ws(' ', count(*), min(telco_id)) FROM "
                         "delivery_state_archive WHERE sms_id = 'old-0'"),
              "1 3");
    EXPECT_EQ(store::read_archive_summary(*pool).rows_restored, 1);
}

TEST_F(Archive, ReportsDuringArchivingEndInOneRowPerMessage) {
    constexpr int rows = 600;
    db->execute(old_rows("old-", rows, 100));
    std::atomic<bool> archiving{true};
    std::atomic<int> reports_failed{0};
    std::thread reports([&] {
        // Reports about every seventh old message, the rows being moved, and
        // about a new message, until the archiving ends, and once after.
        const auto send = [&](int round) {
            std::vector<Observation> batch;
            for (int i = round % 7; i < rows; i += 7) {
                batch.push_back(telco_report("old-" + std::to_string(i), StateLabel::sent, 3));
            }
            batch.push_back(telco_report("new-" + std::to_string(round), StateLabel::sent, 1));
            try {
                (void)status->apply(batch);
            } catch (const std::exception&) {
                ++reports_failed;
            }
        };
        int round = 0;
        while (archiving) {
            send(round++);
        }
        for (const int last = round + 7; round < last;) {
            send(round++);
        }
    });
    const auto moved = archive_all(50);
    archiving = false;
    reports.join();
    EXPECT_EQ(reports_failed, 0);
    EXPECT_GT(moved, 0);

    const auto pass = store::restore_late_reports(*pool, 10min);
    ASSERT_TRUE(pass.has_value());
    EXPECT_EQ(db->scalar("SELECT count(*) FROM (SELECT sms_id FROM delivery_state_all "
                         "GROUP BY sms_id HAVING count(*) > 1) AS twice"),
              "0")
        << "every message is one row again";
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state_all WHERE sms_id LIKE 'old-%'"),
              std::to_string(rows));
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state_all WHERE sms_id LIKE 'old-%' "
                         "AND telco_id = 3 AND account = 'acct-a' AND phone = '0912345678'"),
              std::to_string(rows))
        << "each old message has its report and keeps what it was registered with";
}

TEST_F(Archive, RetentionDropsOnlyWholeMonthsEndedLongEnoughAgo) {
    db->execute(old_rows("m20-", 2, 600));
    db->execute(old_rows("m19-", 2, 560));
    db->execute(old_rows("m4-", 2, 120));
    ASSERT_EQ(archive_all(100), 6);
    const auto partitions = store::read_archive_summary(*pool).partitions;
    ASSERT_EQ(partitions.size(), 3U);

    const auto year = std::chrono::milliseconds(std::chrono::hours(24 * 365));
    const auto listed = store::drop_old_archive(*pool, year, /*dry_run=*/true);
    ASSERT_EQ(listed.size(), 2U);
    EXPECT_EQ(listed[0].name, partitions[0].name);
    EXPECT_EQ(listed[1].name, partitions[1].name);
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state_archive"), "6") << "a dry run";

    const auto dropped = store::drop_old_archive(*pool, year, /*dry_run=*/false);
    EXPECT_EQ(dropped.size(), 2U);
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id, ' ' ORDER BY sms_id) FROM "
                         "delivery_state_archive"),
              "m4-0 m4-1");
    EXPECT_EQ(store::read_archive_summary(*pool).partitions.size(), 1U);
}

}  // namespace
}  // namespace deliveryd
