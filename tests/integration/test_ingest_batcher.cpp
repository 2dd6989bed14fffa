// IngestBatcher against a real PostgreSQL, callbacks and poll answers in the
// same batches: what goes into each batch and in which order, the queue
// limit that only callbacks are held to, metrics counted per path, a poll
// answer the database refuses leaving the callbacks of its batch stored, and
// a failed batch failing every caller with nothing committed.
//
// Every test holds the one database thread until all its reports are queued,
// so that the batches are made from a known queue: the first report goes to
// the database alone (it finds the batcher idle), the others wait for it.
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/errors.hpp"
#include "deliveryd/store/ingest_batcher.hpp"
#include "deliveryd/store/report_metrics.hpp"
#include "deliveryd/store/status_store.hpp"

#include "support/scratch_database.hpp"
#include "support/state_rows.hpp"

namespace deliveryd {
namespace {

namespace asio = boost::asio;
using core::Observation;
using core::Source;
using core::StateLabel;
using core::Timestamp;
using store::ApplyOutcome;
using store::PolledAnswer;
using store::ReportPath;
using testing::at;

Observation batched_report(const std::string& id, StateLabel label,
                           Source source = Source::callback) {
    Observation o;
    o.sms_id = id;
    o.source = source;
    o.observed_at = at(10);
    o.state = label;
    o.send_status = label == StateLabel::waiting ? 2 : 5;
    o.type_id = 2;
    o.raw = "SMSID=" + id;
    return o;
}

// An answer about `ids` (each waiting), rescheduling them, answered.
PolledAnswer answer(const std::vector<std::string>& ids) {
    PolledAnswer a;
    for (const auto& id : ids) {
        a.observations.push_back(batched_report(id, StateLabel::waiting, Source::get_callback));
        a.reschedules.push_back({.sms_id = id, .next_poll_at = at(100), .count_attempt = true});
    }
    return a;
}

class BatcherTest : public ::testing::Test {
  protected:
    void SetUp() override {
        DELIVERYD_REQUIRE_DATABASE();
        db = std::make_unique<testing::ScratchDatabase>();
        pool = std::make_unique<store::ConnectionPool>(
            store::PoolOptions{.url = db->url(), .size = 2});
        status = std::make_unique<store::StatusStore>(*pool);
    }
    void TearDown() override {
        release();
        // Before the batcher goes: a database thread may still be leaving
        // its last commit after the io_context ran out of work.
        db_threads.join();
    }

    // A batcher whose observer writes down each commit and each path's reports.
    void start(store::IngestOptions options, store::IngestObserver extra = {}) {
        batcher = std::make_unique<store::IngestBatcher>(
            ioc, db_threads, *status, options,
            store::IngestObserver{
                .on_commit =
                    [this, extra](std::size_t size, std::chrono::duration<double> took, bool ok) {
                        note((ok ? "commit " : "failed ") + std::to_string(size));
                        if (extra.on_commit) {
                            extra.on_commit(size, took, ok);
                        }
                    },
                .on_applied =
                    [this, extra](std::span<const Observation> reports,
                                  const store::ApplyResult& result, ReportPath path) {
                        std::string line = path == ReportPath::callback ? "  callback" : "  poll";
                        for (const auto& o : reports) {
                            line += " " + o.sms_id;
                        }
                        note(line);
                        if (extra.on_applied) {
                            extra.on_applied(reports, result, path);
                        }
                    }});
        // The database thread waits until release(): see the top of the file.
        asio::post(db_threads, [held = gate.get_future()] { held.wait(); });
    }
    void release() {
        if (!released) {
            released = true;
            gate.set_value();
        }
    }

    // Queues a callback; its completion is written down as "<id> ok" or "<id> <error>".
    void callback(const std::string& id, StateLabel label = StateLabel::sent) {
        batcher->async_apply(batched_report(id, label),
                             [this, id](std::exception_ptr e, ApplyOutcome) {
                                 completed.push_back(id + " " + describe(e));
                             });
    }
    void polled(const std::string& name, PolledAnswer a) {
        batcher->async_apply_polled(std::move(a), [this, name](std::exception_ptr e) {
            completed.push_back(name + " " + describe(e));
        });
    }
    // Queues what `queue` queues on the io_context, releases the database
    // thread and runs until the batcher has answered everyone.
    void run(const std::function<void()>& queue) {
        asio::post(ioc, [&] {
            queue();
            release();
        });
        ioc.run();
    }

    // A waiting row 'r' polled later, and a trigger that makes the database
    // refuse every `event` (INSERT, UPDATE) of delivery_state where `when`.
    void waiting_row_and_refusal(const std::string& event, const std::string& when) {
        db->execute(R"sql(
            INSERT INTO delivery_state (sms_id, type_id, state, next_poll_at)
            VALUES ('r', 2, 'waiting', now() + interval '1 hour');
            CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'refused by the test'; END $$;)sql");
        db->execute("CREATE TRIGGER refuse BEFORE " + event +
                    " ON delivery_state FOR EACH ROW WHEN (" + when +
                    ") EXECUTE FUNCTION refuse()");
    }

    static std::string describe(std::exception_ptr e) {
        if (!e) {
            return "ok";
        }
        try {
            std::rethrow_exception(e);
        } catch (const store::IngestOverloaded&) {
            return "overloaded";
        } catch (const store::DatabaseError&) {
            return "database error";
        } catch (...) {
            return "other error";
        }
    }
    void note(std::string line) {
        std::lock_guard lock(mutex);
        log.push_back(std::move(line));
    }

    std::unique_ptr<testing::ScratchDatabase> db;
    std::unique_ptr<store::ConnectionPool> pool;
    std::unique_ptr<store::StatusStore> status;
    asio::io_context ioc;
    asio::thread_pool db_threads{1};
    std::promise<void> gate;
    bool released = false;
    std::unique_ptr<store::IngestBatcher> batcher;

    std::mutex mutex;
    std::vector<std::string> log;        // the observer's, in commit order
    std::vector<std::string> completed;  // callers answered, in order (the io_context's thread)
};

using Lines = std::vector<std::string>;

TEST_F(BatcherTest, PollAnswersNeverTurnACallbackAway) {
    start({.max_batch = 100, .commits_in_flight = 1, .max_queued = 2});
    run([&] {
        callback("plug");
        for (int i = 0; i < 5; ++i) {
            polled("p" + std::to_string(i), answer({"p" + std::to_string(i)}));
        }
        callback("c1");
        callback("c2");  // the queue is full now: two callbacks, whatever polls wait
        callback("c3");
    });
    EXPECT_EQ(completed, (Lines{"c3 overloaded", "plug ok", "c1 ok", "c2 ok", "p0 ok", "p1 ok",
                                "p2 ok", "p3 ok", "p4 ok"}));
    EXPECT_EQ(log, (Lines{"commit 1", "  callback plug", "commit 7", "  callback c1 c2",
                          "  poll p0 p1 p2 p3 p4"}));
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id || '=' || poll_attempts, ',' ORDER BY sms_id) "
                         "FROM delivery_state WHERE next_poll_at = timestamptz 'epoch' + " +
                         std::to_string(at(100).time_since_epoch().count()) +
                         " * interval '1 microsecond'"),
              "p0=1,p1=1,p2=1,p3=1,p4=1")
        << "each answer's reschedule committed with it";
}

TEST_F(BatcherTest, CallbacksTakeTheirPlacesBeforePollAnswersQueuedEarlier) {
    start({.max_batch = 2, .commits_in_flight = 1, .max_queued = 100});
    run([&] {
        callback("plug");
        polled("p1", answer({"p1"}));
        polled("p2", answer({"p2"}));
        callback("c1");
        callback("c2");
        callback("c3");
    });
    // c1 and c2 fill a batch, yet p1 comes along (every batch takes the oldest
    // answer); c3 leaves room for p2.
    EXPECT_EQ(log, (Lines{"commit 1", "  callback plug", "commit 3", "  callback c1 c2",
                          "  poll p1", "commit 2", "  callback c3", "  poll p2"}));
    EXPECT_EQ(completed, (Lines{"plug ok", "c1 ok", "c2 ok", "p1 ok", "c3 ok", "p2 ok"}));
}

TEST_F(BatcherTest, PollAnswersAreNotStarvedByAStreamOfCallbacks) {
    start({.max_batch = 2, .commits_in_flight = 1, .max_queued = 100});
    run([&] {
        callback("plug");
        for (int i = 1; i <= 6; ++i) {
            callback("c" + std::to_string(i));
        }
        polled("p", answer({"p1", "p2", "p3"}));  // more than max_batch on its own
    });
    EXPECT_EQ(log, (Lines{"commit 1", "  callback plug", "commit 5", "  callback c1 c2",
                          "  poll p1 p2 p3", "commit 2", "  callback c3 c4", "commit 2",
                          "  callback c5 c6"}));
    EXPECT_EQ(completed,
              (Lines{"plug ok", "c1 ok", "c2 ok", "p ok", "c3 ok", "c4 ok", "c5 ok", "c6 ok"}));
}

TEST_F(BatcherTest, PollAnswersFillTheRoomLeftWholeAndCommitAlone) {
    start({.max_batch = 4, .commits_in_flight = 1, .max_queued = 100});
    run([&] {
        callback("plug");
        callback("c1");
        polled("a", answer({"a1", "a2"}));
        polled("b", answer({"b1"}));
        polled("c", answer({"c1x", "c2x"}));  // does not fit after a and b: next batch
        PolledAnswer failed_call;             // no reports, only when to ask again
        failed_call.reschedules.push_back({.sms_id = "a1", .next_poll_at = at(200)});
        polled("d", std::move(failed_call));
    });
    EXPECT_EQ(log, (Lines{"commit 1", "  callback plug", "commit 4", "  callback c1",
                          "  poll a1 a2 b1", "commit 2", "  poll c1x c2x"}));
    EXPECT_EQ(completed, (Lines{"plug ok", "c1 ok", "a ok", "b ok", "c ok", "d ok"}));
    EXPECT_EQ(db->scalar("SELECT poll_attempts || ' ' || (next_poll_at = timestamptz 'epoch' + " +
                         std::to_string(at(200).time_since_epoch().count()) +
                         " * interval '1 microsecond') FROM delivery_state WHERE sms_id = 'a1'"),
              "1 true")
        << "a's answer counted, then d's failed call moved the next poll, not counted";
}

TEST_F(BatcherTest, MetricsCountEachPathApartInAMixedBatch) {
    prometheus::Registry registry;
    store::ReportMetrics metrics(registry);
    start({.max_batch = 100, .commits_in_flight = 1, .max_queued = 100},
          {.on_commit = {},
           .on_applied = [&](std::span<const Observation> reports, const store::ApplyResult& result,
                             ReportPath path) { metrics.applied(reports, result, path); }});
    run([&] {
        callback("plug", StateLabel::sent);
        callback("x", StateLabel::sent_to_telco);
        PolledAnswer a;
        a.observations = {batched_report("x", StateLabel::delivered, Source::get_send_status),
                          batched_report("y", StateLabel::failed, Source::zalo_status)};
        a.observations[1].error_code = -114;
        a.reschedules = {{.sms_id = "x", .next_poll_at = at(100), .count_attempt = true},
                         {.sms_id = "y", .next_poll_at = at(100), .count_attempt = true}};
        polled("a", std::move(a));
    });
    ASSERT_EQ(log, (Lines{"commit 1", "  callback plug", "commit 3", "  callback x", "  poll x y"}))
        << "x's callback and poll answer share a transaction";

    const auto text = prometheus::TextSerializer().Serialize(registry.Collect());
    const auto count = [&](const std::string& series) {
        const auto where = text.find(series + " ");
        return where == std::string::npos
                   ? std::string("absent")
                   : text.substr(where + series.size() + 1,
                                 text.find('\n', where) - where - series.size() - 1);
    };
    // As if x's callback had committed first, then the answer: x entered
    // sent_to_telco by callback, then delivered by poll.
    EXPECT_EQ(count(R"(deliveryd_state_entered_total{state="sent",via="callback"})"), "1") << text;
    EXPECT_EQ(count(R"(deliveryd_state_entered_total{state="sent_to_telco",via="callback"})"), "1");
    EXPECT_EQ(count(R"(deliveryd_state_entered_total{state="delivered",via="poll"})"), "1");
    EXPECT_EQ(count(R"(deliveryd_state_entered_total{state="failed",via="poll"})"), "1");
    EXPECT_EQ(count(R"(deliveryd_state_entered_total{state="delivered",via="callback"})"),
              "absent");
    EXPECT_EQ(count(R"(deliveryd_state_entered_total{state="sent_to_telco",via="poll"})"),
              "absent");
    EXPECT_EQ(count(R"(deliveryd_provider_errors_total{code="-114",source="zalo_status"})"), "1");

    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id || ' ' || state || ' ' || poll_attempts || ' ' "
                         "|| coalesce(next_poll_at::text, '-'), ',' ORDER BY sms_id) "
                         "FROM delivery_state"),
              "plug sent 0 -,x delivered 1 -,y failed 1 -");
}

TEST_F(BatcherTest, APollAnswerTheDatabaseRefusesNeverCostsACallbackIts200) {
    waiting_row_and_refusal("UPDATE", "NEW.poll_attempts <> OLD.poll_attempts");
    start({.max_batch = 100, .commits_in_flight = 1, .max_queued = 100});
    run([&] {
        callback("plug");
        callback("c");
        polled("r", answer({"r"}));
    });
    // The batch of c and r fails on r's reschedule; c commits again alone.
    EXPECT_EQ(log, (Lines{"commit 1", "  callback plug", "failed 2", "commit 1", "  callback c"}));
    EXPECT_EQ(completed, (Lines{"plug ok", "c ok", "r database error"}));
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id || ' ' || state, ',' ORDER BY sms_id) "
                         "FROM delivery_state"),
              "c sent,plug sent,r waiting");
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id, ',' ORDER BY sms_id) FROM delivery_event"),
              "c,plug");
}

TEST_F(BatcherTest, AFailedBatchFailsEveryCallerAndCommitsNothing) {
    waiting_row_and_refusal("INSERT", "NEW.sms_id = 'bad'");
    start({.max_batch = 100, .commits_in_flight = 1, .max_queued = 100});
    run([&] {
        callback("plug");
        callback("c");
        callback("bad");
        polled("r", answer({"r"}));
    });
    // The callbacks fail again on their own: everyone is told, nothing of
    // the batch is stored.
    EXPECT_EQ(log, (Lines{"commit 1", "  callback plug", "failed 3", "failed 2"}));
    EXPECT_EQ(completed,
              (Lines{"plug ok", "c database error", "bad database error", "r database error"}));
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id || ' ' || state || ' ' || poll_attempts, ',' "
                         "ORDER BY sms_id) FROM delivery_state"),
              "plug sent 0,r waiting 0");
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id, ',') FROM delivery_event"), "plug");
}

}  // namespace
}  // namespace deliveryd
