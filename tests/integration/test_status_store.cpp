// StatusStore::apply against a real PostgreSQL: rows created and merged,
// events logged, sender inserts racing reports, and concurrent writers;
// poll answers with their reschedules in one transaction, locking in key
// order; and a batch split back into its parts (part_of).
#include <algorithm>
#include <future>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "deliveryd/core/merge.hpp"
#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/errors.hpp"
#include "deliveryd/store/reschedule.hpp"
#include "deliveryd/store/status_store.hpp"

#include "support/scratch_database.hpp"
#include "support/state_rows.hpp"

namespace deliveryd {
namespace {

using core::Observation;
using core::Source;
using core::StateLabel;
using core::Timestamp;
using store::ApplyOutcome;
using namespace std::chrono_literals;
using testing::at;
using testing::micros_of;
using testing::next_poll_micros;

Observation report_at(const std::string& id, StateLabel label, std::int64_t when,
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
    const auto result = status->apply(std::vector{report_at("new-1", StateLabel::sent, 10)});
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
    auto o = report_at("zns-1", StateLabel::sent, 10);
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
    const auto first = report_at("dup-1", StateLabel::sent, 10);
    (void)status->apply(std::vector{first});
    const auto before = db->scalar("SELECT updated_at FROM delivery_state");
    const auto result =
        status->apply(std::vector{first, report_at("dup-1", StateLabel::waiting, 20)});
    EXPECT_EQ(result.outcomes, (std::vector{ApplyOutcome::unchanged, ApplyOutcome::unchanged}));
    EXPECT_EQ(result.rows_written, 0u);
    EXPECT_EQ(db->scalar("SELECT updated_at FROM delivery_state"), before);
    EXPECT_EQ(db->scalar("SELECT state FROM delivery_state"), "sent");
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_event"), "3");
}

TEST_F(StoreFixture, ReportsWhichRowsEnteredWhichState) {
    db->execute("INSERT INTO delivery_state (sms_id, type_id) VALUES ('known', 2), ('quiet', 25)");
    const auto result = status->apply(std::vector{report_at("known", StateLabel::waiting, 10),
                                                  report_at("known", StateLabel::sent, 20),
                                                  report_at("fresh", StateLabel::failed, 10)});
    EXPECT_EQ(result.entered, (std::vector{StateLabel::failed, StateLabel::sent}))
        << "created rows in key order, then changed rows; one entry per row";
    EXPECT_TRUE(
        status->apply(std::vector{report_at("known", StateLabel::sent, 30)}).entered.empty())
        << "news of the same state enters nothing";

    const auto closed = status->close_windows(
        std::vector<store::WindowClose>{{"quiet", at(40)}, {"absent", at(40)}});
    EXPECT_EQ(closed.rows_written, 1u);
    EXPECT_EQ(closed.entered, std::vector{StateLabel::expired});
}

TEST_F(StoreFixture, ASenderInsertAfterTheCallbackLosesNothing) {
    (void)status->apply(std::vector{report_at("late-sender", StateLabel::failed, 10)});
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
        return status->apply(std::vector{report_at("race-1", StateLabel::sent, 10)});
    });
    EXPECT_EQ(applied.wait_for(300ms), std::future_status::timeout) << "must wait for the sender";
    tx.commit();
    EXPECT_EQ(applied.get().outcomes, std::vector{ApplyOutcome::changed});
    EXPECT_EQ(db->scalar("SELECT state || ' ' || phone || ' ' || account FROM delivery_state"),
              "sent 0901888484 shop-b");
}

TEST_F(StoreFixture, EveryFieldRoundTripsExactly) {
    Observation o = report_at("full-1", StateLabel::failed, 0, Source::get_callback);
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
        auto o = report_at("m" + std::to_string(rng() % static_cast<unsigned>(messages)),
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

// apply() writes a batch one of two ways, by the share of new ids it has
// seen lately: new rows first, or the existing rows read first. Batches of
// new ids, then of mixed ids, then of registered ids, then new ids again,
// take both ways and switch between them; every batch ends where applying
// all the reports at once does, each report logged exactly once.
TEST_F(StoreFixture, BatchesOfNewAndOfRegisteredIdsEndAlikeWhicheverWayTheyAreWritten) {
    const auto seed = std::random_device{}();
    std::mt19937_64 rng(seed);
    SCOPED_TRACE("seed " + std::to_string(seed));
    const auto batch_of = [&](const std::string& prefix, int first, int count) {
        std::vector<Observation> batch;
        for (int i = first; i < first + count; ++i) {
            const auto id = prefix + std::to_string(i);
            batch.push_back(report_at(id, StateLabel::waiting, 10));
            if (rng() % 2 == 0) {
                batch.push_back(report_at(id,
                                          rng() % 2 == 0 ? StateLabel::sent : StateLabel::failed,
                                          static_cast<std::int64_t>(20 + rng() % 10)));
            }
        }
        std::shuffle(batch.begin(), batch.end(), rng);
        return batch;
    };
    // The sender registered the r-rows before any report.
    db->execute(
        "INSERT INTO delivery_state (sms_id, type_id, phone) "
        "SELECT 'r' || i, 2, '0901888484' FROM generate_series(0, 199) AS i");

    std::vector<std::vector<Observation>> batches;
    for (int i = 0; i < 4; ++i) {
        batches.push_back(batch_of("n", i * 20, 20));  // new ids
    }
    auto mixed = batch_of("n", 80, 10);  // new ids and registered ones
    const auto registered = batch_of("r", 0, 10);
    mixed.insert(mixed.end(), registered.begin(), registered.end());
    batches.push_back(mixed);
    for (int i = 1; i < 12; ++i) {
        batches.push_back(batch_of("r", i * 10, 10));  // registered ids
    }
    for (int i = 0; i < 3; ++i) {
        batches.push_back(batch_of("n", 100 + i * 10, 10));  // new ids again
    }
    batches.push_back(batch_of("n", 0, 40));  // news of rows created above

    std::vector<Observation> all;
    std::set<std::string> rows;  // the ids that have a row
    for (int i = 0; i < 200; ++i) {
        rows.insert("r" + std::to_string(i));
    }
    for (const auto& batch : batches) {
        const auto before = rows;
        const auto result = status->apply(batch);
        ASSERT_EQ(result.outcomes.size(), batch.size());
        ASSERT_EQ(result.labels.size(), batch.size());
        // Each id's first report created its row exactly when it had none.
        std::set<std::string> seen;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const bool first = seen.insert(batch[i].sms_id).second;
            EXPECT_EQ(result.outcomes[i] == ApplyOutcome::created,
                      first && !before.contains(batch[i].sms_id))
                << batch[i].sms_id;
            rows.insert(batch[i].sms_id);
        }
        all.insert(all.end(), batch.begin(), batch.end());
    }
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_event"), std::to_string(all.size()));
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE phone IS NOT NULL"), "200")
        << "what the sender registered is kept";

    testing::ScratchDatabase at_once_db;
    at_once_db.execute(
        "INSERT INTO delivery_state (sms_id, type_id, phone) "
        "SELECT 'r' || i, 2, '0901888484' FROM generate_series(0, 199) AS i");
    store::ConnectionPool at_once_pool({.url = at_once_db.url(), .size = 1});
    store::StatusStore at_once(at_once_pool);
    (void)at_once.apply(all);
    EXPECT_EQ(table_digest(*db), table_digest(at_once_db));
}

// After a run of batches whose ids were all new, apply() inserts such a
// batch without ON CONFLICT. A batch with an id that exists then fails that
// insert whole (one rolled-back transaction) and is written the careful
// way: every report counted once, the tables as if applied at once.
TEST_F(StoreFixture, APlainInsertThatMeetsAnExistingIdIsWrittenTheCarefulWay) {
    const auto rollbacks = [&] {
        return std::stoll(db->scalar(
            "SELECT xact_rollback FROM pg_stat_database WHERE datname = current_database()"));
    };
    const auto before = rollbacks();
    std::vector<Observation> all;
    {
        store::ConnectionPool one({.url = db->url(), .size = 1});
        store::StatusStore store(one);
        const auto apply = [&](const std::vector<Observation>& batch) {
            all.insert(all.end(), batch.begin(), batch.end());
            return store.apply(batch);
        };
        const auto news = [&](int first) {
            std::vector<Observation> batch;
            for (int i = first; i < first + 5; ++i) {
                batch.push_back(report_at("p" + std::to_string(i), StateLabel::sent, 10));
            }
            return batch;
        };
        for (int b = 0; b < store::InsertOptimism{}.run_needed() + 2; ++b) {
            const auto result = apply(news(b * 5));
            EXPECT_EQ(result.outcomes, std::vector(5, ApplyOutcome::created));
        }
        auto mixed = news(1000);
        mixed.push_back(report_at("p3", StateLabel::delivered, 20));
        const auto result = apply(mixed);
        auto expected = std::vector(5, ApplyOutcome::created);
        expected.push_back(ApplyOutcome::changed);
        EXPECT_EQ(result.outcomes, expected);
        EXPECT_EQ(result.rows_written, 6U);
        EXPECT_EQ(apply(news(2000)).outcomes, std::vector(5, ApplyOutcome::created));
    }
    // Statistics reach the server's view when the connection ends.
    auto rolled_back = rollbacks() - before;
    for (int i = 0; i < 100 && rolled_back == 0; ++i) {
        std::this_thread::sleep_for(100ms);
        rolled_back = rollbacks() - before;
    }
    EXPECT_EQ(rolled_back, 1) << "the plain insert was tried once and failed once";
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_event"), std::to_string(all.size()));
    EXPECT_EQ(db->scalar("SELECT state FROM delivery_state WHERE sms_id = 'p3'"), "delivered");

    testing::ScratchDatabase at_once_db;
    store::ConnectionPool at_once_pool({.url = at_once_db.url(), .size = 1});
    store::StatusStore at_once(at_once_pool);
    (void)at_once.apply(all);
    EXPECT_EQ(table_digest(*db), table_digest(at_once_db));
}

// Poll answers: StatusStore::apply with reschedules.

using store::Reschedule;

// A row waiting for its outcome, due in an hour, polled `attempts` times.
std::string waiting_row(const std::string& id, int attempts = 0) {
    return "INSERT INTO delivery_state (sms_id, type_id, state, next_poll_at, poll_attempts) "
           "VALUES ('" +
           id + "', 2, 'waiting', now() + interval '1 hour', " + std::to_string(attempts) + ");";
}

std::string attempts_of(const testing::ScratchDatabase& db, const std::string& id) {
    return db.scalar("SELECT poll_attempts FROM delivery_state WHERE sms_id = '" + id + "'");
}

TEST_F(StoreFixture, APollAnswerAndItsReschedulesCommitTogether) {
    db->execute(waiting_row("open", 2) + waiting_row("done") + waiting_row("quiet"));
    const auto answer =
        std::vector{report_at("open", StateLabel::waiting, 10, Source::get_send_status),
                    report_at("done", StateLabel::sent, 10, Source::get_send_status),
                    report_at("fresh", StateLabel::waiting, 10, Source::get_callback)};
    const std::vector<Reschedule> schedule{
        {.sms_id = "quiet", .next_poll_at = at(300), .count_attempt = false},
        {.sms_id = "open", .next_poll_at = at(100) + 7us, .count_attempt = true},
        {.sms_id = "ghost", .next_poll_at = at(500), .count_attempt = true},
        {.sms_id = "fresh", .next_poll_at = at(400), .count_attempt = true},
        {.sms_id = "done", .next_poll_at = at(200), .count_attempt = true},
    };
    const auto result = status->apply(answer, schedule);
    EXPECT_EQ(result.outcomes[1], ApplyOutcome::changed);
    EXPECT_EQ(result.outcomes[2], ApplyOutcome::created);

    EXPECT_EQ(next_poll_micros(*db, "open"), micros_of(at(100) + 7us)) << "exact to the µs";
    EXPECT_EQ(attempts_of(*db, "open"), "3");
    EXPECT_EQ(db->scalar("SELECT state || ' ' || is_final FROM delivery_state "
                         "WHERE sms_id = 'done'"),
              "sent true");
    EXPECT_EQ(next_poll_micros(*db, "done"), "NULL")
        << "the reschedule sees the row the answer made final";
    EXPECT_EQ(attempts_of(*db, "done"), "1");
    EXPECT_EQ(next_poll_micros(*db, "quiet"), micros_of(at(300)));
    EXPECT_EQ(attempts_of(*db, "quiet"), "0") << "an unanswered poll is not counted";
    EXPECT_EQ(next_poll_micros(*db, "fresh"), micros_of(at(400)))
        << "a row the answer created is rescheduled too";
    EXPECT_EQ(attempts_of(*db, "fresh"), "1");
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE sms_id = 'ghost'"), "0")
        << "an id without a row is skipped, not created";
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_event"), "3");

    // Reschedules alone (a call that failed) and the same id twice (two
    // answers in one batch): each answer counts, the later next poll stays.
    const std::vector<Reschedule> twice{
        {.sms_id = "quiet", .next_poll_at = at(600), .count_attempt = true},
        {.sms_id = "quiet", .next_poll_at = at(700), .count_attempt = true},
    };
    (void)status->apply({}, twice);
    EXPECT_EQ(next_poll_micros(*db, "quiet"), micros_of(at(700)));
    EXPECT_EQ(attempts_of(*db, "quiet"), "2");
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_event"), "3");
}

TEST_F(StoreFixture, AReportThatFailsToRescheduleIsNotStoredEither) {
    db->execute(waiting_row("r1") + waiting_row("r2") + R"sql(
        CREATE FUNCTION refuse_count() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'poll_attempts refused'; END $$;
        CREATE TRIGGER refuse_count BEFORE UPDATE ON delivery_state FOR EACH ROW
            WHEN (NEW.poll_attempts <> OLD.poll_attempts) EXECUTE FUNCTION refuse_count();)sql");
    const auto before = next_poll_micros(*db, "r1");
    const auto answer =
        std::vector{report_at("r1", StateLabel::delivered, 10, Source::get_callback),
                    report_at("new", StateLabel::failed, 10, Source::get_callback)};
    const std::vector<Reschedule> schedule{{.sms_id = "r1", .next_poll_at = at(100)},
                                           {.sms_id = "r2", .next_poll_at = at(100)},
                                           {.sms_id = "new", .next_poll_at = at(100)}};
    const std::vector<Reschedule> counted{{"r2", at(100), true}};
    EXPECT_THROW((void)status->apply(answer, counted), store::DatabaseError);
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id || ' ' || state, ',' ORDER BY sms_id) "
                         "FROM delivery_state"),
              "r1 waiting,r2 waiting")
        << "the merge was rolled back with the reschedule";
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_event"), "0");
    EXPECT_EQ(next_poll_micros(*db, "r1"), before);

    // The same answer with reschedules the trigger lets through commits.
    (void)status->apply(answer, schedule);
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id || ' ' || state || ' ' || "
                         "coalesce(next_poll_at::text, '-'), ',' ORDER BY sms_id) "
                         "FROM delivery_state"),
              "new failed -,r1 delivered -,r2 waiting " +
                  db->scalar("SELECT timestamptz 'epoch' + " + micros_of(at(100)) +
                             " * interval '1 microsecond'"));
}

TEST_F(StoreFixture, APollAnswerLocksItsRowsAndItsRescheduledRowsInKeyOrder) {
    db->execute(waiting_row("a") + waiting_row("b") + waiting_row("c"));
    // Another transaction holds b: the answer (about c, rescheduling a and b)
    // must wait for it holding a only. Holding c meanwhile (taken by the
    // merge before the reschedule reached a and b) would be out of order,
    // and could wait in a cycle with a batch of callbacks locking b then c.
    pqxx::connection other(db->url());
    pqxx::work holder(other);
    holder.exec("SELECT 1 FROM delivery_state WHERE sms_id = 'b' FOR UPDATE");
    auto applied = std::async(std::launch::async, [&] {
        return status->apply(
            std::vector{report_at("c", StateLabel::sent, 10, Source::get_callback)},
            std::vector<Reschedule>{{"b", at(100), true}, {"a", at(100), true}});
    });
    ASSERT_EQ(applied.wait_for(300ms), std::future_status::timeout) << "must wait for b";

    pqxx::connection probe(db->url());
    const auto locked = [&](const std::string& id) {
        pqxx::work tx(probe);
        try {
            tx.exec("SELECT 1 FROM delivery_state WHERE sms_id = '" + id + "' FOR UPDATE NOWAIT");
            return false;
        } catch (const pqxx::sql_error& e) {
            EXPECT_EQ(e.sqlstate(), "55P03") << e.what();  // lock_not_available
            return true;
        }
    };
    EXPECT_TRUE(locked("a"));
    EXPECT_FALSE(locked("c")) << "c ranks after b: not locked before b is";

    holder.commit();
    const auto result = applied.get();
    EXPECT_EQ(result.outcomes, std::vector{ApplyOutcome::changed});
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id || '=' || poll_attempts || ' ' || state, ',' "
                         "ORDER BY sms_id) FROM delivery_state"),
              "a=1 waiting,b=1 waiting,c=0 sent");
}

TEST_F(StoreFixture, PollAnswersAndCallbacksOverTheSameRowsNeverDeadlock) {
    const auto seed = std::random_device{}();
    std::mt19937_64 rng(seed);
    SCOPED_TRACE("seed " + std::to_string(seed));
    constexpr int messages = 40;
    std::string rows;
    for (int i = 0; i < messages; ++i) {
        rows += waiting_row("m" + std::to_string(i));
    }
    db->execute(rows);
    const auto reports = random_reports(rng, 3000, messages);

    // Two writers of callback batches, two of poll answers whose reschedules
    // name other rows than their reports (a GetCallback chunk answers for
    // some of its ids only), on both sides of them in key order.
    std::vector<std::vector<Observation>> shares(4);
    for (const auto& o : reports) {
        shares[rng() % 4].push_back(o);
    }
    constexpr std::size_t batch_size = 20;
    std::vector<std::int64_t> answered(messages, 0);
    std::vector<std::vector<std::vector<Reschedule>>> schedules(2);
    for (std::size_t k = 0; k < schedules.size(); ++k) {
        // One per batch of reports, and a few calls that failed (no reports).
        const auto calls = (shares[2 + k].size() + batch_size - 1) / batch_size + 5;
        for (std::size_t i = 0; i < calls; ++i) {
            std::vector<Reschedule> schedule;
            for (int n = 0; n < 12; ++n) {
                const auto m = static_cast<int>(rng() % messages);
                const bool counted = rng() % 2 == 0;
                answered[static_cast<std::size_t>(m)] += counted ? 1 : 0;
                schedule.push_back({"m" + std::to_string(m), at(1000), counted});
            }
            schedules[k].push_back(std::move(schedule));
        }
    }
    std::vector<std::future<void>> writers;
    for (std::size_t w = 0; w < shares.size(); ++w) {
        writers.push_back(std::async(std::launch::async, [&, w] {
            const auto& share = shares[w];
            std::size_t calls = 0;
            for (std::size_t i = 0; i < share.size(); i += batch_size, ++calls) {
                const auto batch =
                    std::span(share).subspan(i, std::min(batch_size, share.size() - i));
                if (w < 2) {
                    (void)status->apply(batch);
                } else {
                    (void)status->apply(batch, schedules[w - 2].at(calls));
                }
            }
            for (; w >= 2 && calls < schedules[w - 2].size(); ++calls) {
                (void)status->apply({}, schedules[w - 2][calls]);
            }
        }));
    }
    for (auto& w : writers) {
        EXPECT_NO_THROW(w.get());  // a deadlock would be an error (40P01)
    }

    testing::ScratchDatabase sequential_db;
    store::ConnectionPool sequential_pool({.url = sequential_db.url(), .size = 1});
    store::StatusStore sequential(sequential_pool);
    sequential_db.execute(rows);
    (void)sequential.apply(reports);
    EXPECT_EQ(table_digest(*db), table_digest(sequential_db));
    std::string expected;
    for (int i = 0; i < messages; ++i) {
        expected += (i > 0 ? "," : "") + ("m" + std::to_string(i)) + "=" +
                    std::to_string(answered[static_cast<std::size_t>(i)]);
    }
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id || '=' || poll_attempts, ',' "
                         "ORDER BY substr(sms_id, 2)::int) FROM delivery_state"),
              expected)
        << "every answered poll counted once";
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state "
                         "WHERE is_final = (next_poll_at IS NOT NULL)"),
              "0")
        << "final rows have no next poll, the others have one";
}

TEST_F(StoreFixture, EachPartOfABatchCountsAsIfItHadCommittedAlone) {
    db->execute("INSERT INTO delivery_state (sms_id, type_id, state) VALUES ('x', 2, 'waiting')");
    const auto batch = std::vector{report_at("x", StateLabel::sent_to_telco, 10),  // callbacks
                                   report_at("y", StateLabel::failed, 10),
                                   report_at("x", StateLabel::delivered, 20, Source::get_callback),
                                   report_at("y", StateLabel::failed, 10, Source::get_callback),
                                   report_at("z", StateLabel::waiting, 10, Source::get_callback)};
    const auto whole = status->apply(batch);
    EXPECT_EQ(whole.entered,
              (std::vector{StateLabel::failed, StateLabel::waiting, StateLabel::delivered}));

    const auto callbacks = store::part_of(batch, whole, 0, 2);
    EXPECT_EQ(callbacks.outcomes, (std::vector{ApplyOutcome::changed, ApplyOutcome::created}));
    EXPECT_EQ(callbacks.entered, (std::vector{StateLabel::failed, StateLabel::sent_to_telco}))
        << "created rows first, then changed ones, in key order, as apply() lists them";
    EXPECT_EQ(callbacks.rows_written, 2U);
    const auto polls = store::part_of(batch, whole, 2, 3);
    EXPECT_EQ(polls.outcomes,
              (std::vector{ApplyOutcome::changed, ApplyOutcome::unchanged, ApplyOutcome::created}));
    EXPECT_EQ(polls.entered, (std::vector{StateLabel::waiting, StateLabel::delivered}))
        << "y was created by the callbacks: the polls only repeat it";
    EXPECT_EQ(polls.rows_written, 2U);
    EXPECT_THROW((void)store::part_of(batch, whole, 3, 3), std::out_of_range);

    // The same, at random: each part of a batch gives what applying it alone
    // right after the parts before it gives.
    const auto seed = std::random_device{}();
    std::mt19937_64 rng(seed);
    SCOPED_TRACE("seed " + std::to_string(seed));
    testing::ScratchDatabase split_db;
    store::ConnectionPool split_pool({.url = split_db.url(), .size = 1});
    store::StatusStore split(split_pool);
    for (int round = 0; round < 20; ++round) {
        const auto reports = random_reports(rng, 60, 12);
        const auto together = status->apply(reports);
        std::size_t first = 0;
        while (first < reports.size()) {
            const auto count = std::min<std::size_t>(1 + rng() % 25, reports.size() - first);
            const auto alone = split.apply(std::span(reports).subspan(first, count));
            const auto part = store::part_of(reports, together, first, count);
            EXPECT_EQ(part.outcomes, alone.outcomes);
            EXPECT_EQ(part.entered, alone.entered);
            EXPECT_EQ(part.rows_written, alone.rows_written);
            first += count;
        }
    }
}

}  // namespace
}  // namespace deliveryd
