// StatusStore::apply against a real PostgreSQL: rows created and merged,
// events logged, sender inserts racing reports, and concurrent writers.
#include <algorithm>
#include <future>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "deliveryd/core/merge.hpp"
#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/status_store.hpp"

#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using core::Observation;
using core::Source;
using core::StateLabel;
using core::Timestamp;
using store::ApplyOutcome;
using namespace std::chrono_literals;

Timestamp at(std::int64_t seconds) {
    return Timestamp{std::chrono::seconds{1'750'000'000 + seconds}};
}

Observation report(const std::string& id, StateLabel label, std::int64_t when,
                   Source source = Source::callback) {
    Observation o;
    o.sms_id = id;
    o.source = source;
    o.observed_at = at(when);
    o.state = label;
    o.send_status = label == StateLabel::waiting ? 2 : 5;
    o.type_id = 2;
    o.raw = "SMSID=" + id;
    return o;
}

struct StoreFixture : ::testing::Test {
    void SetUp() override {
        if (testing::admin_url().empty()) {
            GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)";
        }
        db = std::make_unique<testing::ScratchDatabase>();
        pool = std::make_unique<store::ConnectionPool>(
            store::PoolOptions{.url = db->url(), .size = 4});
        status = std::make_unique<store::StatusStore>(*pool);
    }
    std::unique_ptr<testing::ScratchDatabase> db;
    std::unique_ptr<store::ConnectionPool> pool;
    std::unique_ptr<store::StatusStore> status;
};

TEST_F(StoreFixture, AReportForAnUnknownMessageCreatesItsRow) {
    const auto result = status->apply(std::vector{report("new-1", StateLabel::sent, 10)});
    ASSERT_EQ(result.outcomes, std::vector{ApplyOutcome::created});
    const auto row = status->find("new-1");
    ASSERT_TRUE(row);
    EXPECT_EQ(row->state, StateLabel::sent);
    EXPECT_TRUE(row->is_final);
    EXPECT_EQ(row->resolved_by, core::Resolver::callback);
    EXPECT_EQ(row->final_at, at(10));
    EXPECT_FALSE(row->next_poll_at.has_value()) << "a final row is not polled";
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_event WHERE sms_id = 'new-1'"), "1");
    EXPECT_EQ(db->scalar("SELECT source || ' ' || state || ' ' || raw_payload FROM delivery_event"),
              "callback sent SMSID=new-1");
}

TEST_F(StoreFixture, KeepsWhatTheSenderRegistered) {
    db->execute(
        "INSERT INTO delivery_state (sms_id, type_id, oa_id, phone, account) "
        "VALUES ('zns-1', 25, '1397492183140006179', '0901888484', 'shop-a')");
    auto o = report("zns-1", StateLabel::sent, 10);
    o.type_id = 25;
    o.partner_id = "7984e9b198c40e9957d6";
    const auto result = status->apply(std::vector{o});
    EXPECT_EQ(result.outcomes, std::vector{ApplyOutcome::changed});
    const auto row = status->find("zns-1");
    ASSERT_TRUE(row);
    EXPECT_EQ(row->account, "shop-a");
    EXPECT_EQ(row->phone, "0901888484");
    EXPECT_EQ(row->partner_id, "7984e9b198c40e9957d6");
    EXPECT_EQ(row->state, StateLabel::sent);
    EXPECT_FALSE(row->is_final) << "a ZNS row is final only once delivered or failed";
    EXPECT_TRUE(row->next_poll_at.has_value()) << "still to be polled";
}

TEST_F(StoreFixture, DuplicatesAndOlderNewsChangeNothingButAreLogged) {
    const auto first = report("dup-1", StateLabel::sent, 10);
    (void)status->apply(std::vector{first});
    const auto before = db->scalar("SELECT updated_at FROM delivery_state");
    const auto result = status->apply(std::vector{first, report("dup-1", StateLabel::waiting, 20)});
    EXPECT_EQ(result.outcomes, (std::vector{ApplyOutcome::unchanged, ApplyOutcome::unchanged}));
    EXPECT_EQ(result.rows_written, 0u);
    EXPECT_EQ(db->scalar("SELECT updated_at FROM delivery_state"), before);
    EXPECT_EQ(db->scalar("SELECT state FROM delivery_state"), "sent");
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_event"), "3");
}

TEST_F(StoreFixture, ReportsWhichRowsEnteredWhichState) {
    db->execute("INSERT INTO delivery_state (sms_id, type_id) VALUES ('known', 2), ('quiet', 25)");
    const auto result = status->apply(std::vector{report("known", StateLabel::waiting, 10),
                                                  report("known", StateLabel::sent, 20),
                                                  report("fresh", StateLabel::failed, 10)});
    EXPECT_EQ(result.entered, (std::vector{StateLabel::failed, StateLabel::sent}))
        << "created rows in key order, then changed rows; one entry per row";
    EXPECT_TRUE(status->apply(std::vector{report("known", StateLabel::sent, 30)}).entered.empty())
        << "news of the same state enters nothing";

    const auto closed = status->close_windows(
        std::vector<store::WindowClose>{{"quiet", at(40)}, {"absent", at(40)}});
    EXPECT_EQ(closed.rows_written, 1u);
    EXPECT_EQ(closed.entered, std::vector{StateLabel::expired});
}

TEST_F(StoreFixture, ASenderInsertAfterTheCallbackLosesNothing) {
    (void)status->apply(std::vector{report("late-sender", StateLabel::failed, 10)});
    db->execute(
        "INSERT INTO delivery_state (sms_id, type_id, phone) VALUES ('late-sender', 2, '0901') "
        "ON CONFLICT (sms_id) DO NOTHING");
    EXPECT_EQ(db->scalar("SELECT state || ' ' || is_final FROM delivery_state"), "failed true");
}

TEST_F(StoreFixture, ASenderInsertRacingACallbackLosesNothing) {
    // The sender's transaction has inserted the row but not committed yet; the
    // callback's batch waits for it, then merges into the sender's row.
    pqxx::connection sender(db->url());
    pqxx::work tx(sender);
    tx.exec(
        "INSERT INTO delivery_state (sms_id, type_id, phone, account) "
        "VALUES ('race-1', 2, '0901888484', 'shop-b') ON CONFLICT (sms_id) DO NOTHING");
    auto applied = std::async(std::launch::async, [&] {
        return status->apply(std::vector{report("race-1", StateLabel::sent, 10)});
    });
    EXPECT_EQ(applied.wait_for(300ms), std::future_status::timeout) << "must wait for the sender";
    tx.commit();
    EXPECT_EQ(applied.get().outcomes, std::vector{ApplyOutcome::changed});
    EXPECT_EQ(db->scalar("SELECT state || ' ' || phone || ' ' || account FROM delivery_state"),
              "sent 0901888484 shop-b");
}

TEST_F(StoreFixture, EveryFieldRoundTripsExactly) {
    Observation o = report("full-1", StateLabel::failed, 0, Source::get_callback);
    o.observed_at = Timestamp{std::chrono::microseconds{1'713'952'681'123'456}};
    o.provider = core::Provider::esms;
    o.send_success = 0;
    o.send_failed = 1;
    o.total_receiver = 1;
    o.total_sent = 1;
    o.total_price = core::Price{6'969'870'000};  // 696987.0000
    o.telco_id = 2;
    o.type_id = 26;
    o.oa_id = "4097311281936189049";
    o.zalo_user_id = "31215806834323092";
    o.request_id = "req \"quoted\" \\ {braces}, commas";
    o.partner_id = "e1a60e8890be9de4c4ab";
    o.template_id = "2056446";
    o.error_code = -114;
    o.error_message = std::string("User is inactive\0 with NUL", 26) + " and bad \xff UTF-8";
    o.zalo_status = 0;
    o.delivered_at = Timestamp{std::chrono::microseconds{1'767'678'030'984'000}};
    o.provider_at = Timestamp{std::chrono::microseconds{1'713'952'600'000'000}};
    o.fallback_sms_status = "Success";
    o.fallback_sms_at = Timestamp{std::chrono::microseconds{1'713'952'690'000'001}};
    (void)status->apply(std::vector{o});
    const auto row = status->find("full-1");
    ASSERT_TRUE(row);
    EXPECT_EQ(row->total_price, o.total_price);
    EXPECT_EQ(db->scalar("SELECT total_price FROM delivery_state"), "696987.0000");
    EXPECT_EQ(row->state_at, o.observed_at);
    EXPECT_EQ(row->delivered_at, o.delivered_at);
    EXPECT_EQ(row->request_id, o.request_id);
    EXPECT_EQ(row->oa_id, o.oa_id);
    EXPECT_EQ(row->zalo_user_id, o.zalo_user_id);
    EXPECT_EQ(row->error_code, -114);
    EXPECT_EQ(row->error_message, "User is inactive with NUL and bad \xEF\xBF\xBD UTF-8");
    EXPECT_EQ(row->state_source, Source::get_callback);
    EXPECT_EQ(row->resolved_by, core::Resolver::poll);
    EXPECT_EQ(row->counts_state, StateLabel::failed);
    EXPECT_EQ(row->counts_at, o.provider_at);
    EXPECT_EQ(row->counts_source, Source::get_callback);
    EXPECT_EQ(row->fallback_sms_status, "Success");
    EXPECT_EQ(row->fallback_sms_at, o.fallback_sms_at);
    EXPECT_EQ(db->scalar("SELECT reached_user FROM delivery_summary_daily"), "1");
    EXPECT_EQ(db->scalar("SELECT provider_at = to_timestamp(1713952600) AND fallback_sms_status = "
                         "'Success' FROM delivery_event"),
              "t");
    EXPECT_EQ(db->scalar("SELECT total_price FROM delivery_event"), "696987.0000");
    EXPECT_EQ(
        db->scalar("SELECT observed_at = to_timestamp(1713952681.123456) FROM delivery_event"),
        "t");
}

// Random reports about a few messages, with duplicates and disagreeing finals.
std::vector<Observation> random_reports(std::mt19937_64& rng, int count, int messages) {
    const StateLabel labels[] = {StateLabel::pending_approval, StateLabel::waiting,
                                 StateLabel::sent_to_telco,    StateLabel::sent,
                                 StateLabel::delivered,        StateLabel::failed,
                                 StateLabel::rejected};
    const Source sources[] = {Source::callback, Source::get_callback, Source::get_send_status,
                              Source::zalo_status};
    std::vector<Observation> reports;
    for (int i = 0; i < count; ++i) {
        auto o = report("m" + std::to_string(rng() % static_cast<unsigned>(messages)),
                        labels[rng() % std::size(labels)], static_cast<std::int64_t>(rng() % 50),
                        sources[rng() % std::size(sources)]);
        o.type_id = rng() % 2 == 0 ? 2 : 25;
        o.send_success = static_cast<int>(rng() % 3);
        o.total_price = core::Price{static_cast<std::int64_t>(rng() % 1000) * 100};
        if (o.state == StateLabel::failed) {
            o.error_code = -static_cast<int>(100 + rng() % 20);
        }
        reports.push_back(o);
        if (rng() % 4 == 0) {
            reports.push_back(o);  // a duplicate
        }
    }
    return reports;
}

// The merged status of every row, as text, without bookkeeping columns.
std::string table_digest(const testing::ScratchDatabase& db) {
    return db.scalar(R"sql(
        SELECT string_agg(concat_ws('|', sms_id, provider, type_id, state, is_final, send_status,
                          send_success, send_failed, total_price, error_code, error_message,
                          state_at, state_source, final_at, resolved_by), E'\n' ORDER BY sms_id)
        FROM delivery_state)sql");
}

TEST_F(StoreFixture, FourConcurrentWritersEndWhereOneSequentialWriterDoes) {
    const auto seed = std::random_device{}();
    std::mt19937_64 rng(seed);
    SCOPED_TRACE("seed " + std::to_string(seed));
    const auto reports = random_reports(rng, 4000, 60);

    // Four writers, each applying shuffled, overlapping batches of the reports.
    std::vector<std::vector<Observation>> shares(4);
    for (const auto& o : reports) {
        shares[rng() % 4].push_back(o);
        if (rng() % 3 == 0) {
            shares[rng() % 4].push_back(o);  // the same report through another writer
        }
    }
    std::vector<std::future<void>> writers;
    for (auto& share : shares) {
        std::shuffle(share.begin(), share.end(), rng);
        writers.push_back(std::async(std::launch::async, [&] {
            for (std::size_t i = 0; i < share.size(); i += 37) {
                const auto n = std::min<std::size_t>(37, share.size() - i);
                (void)status->apply(std::span(share).subspan(i, n));
            }
        }));
    }
    for (auto& w : writers) {
        EXPECT_NO_THROW(w.get());  // no deadlock or serialization errors
    }

    testing::ScratchDatabase sequential_db;
    store::ConnectionPool sequential_pool({.url = sequential_db.url(), .size = 1});
    store::StatusStore sequential(sequential_pool);
    (void)sequential.apply(reports);
    EXPECT_EQ(table_digest(*db), table_digest(sequential_db));
}

}  // namespace
}  // namespace deliveryd
