// The change feed against a real PostgreSQL: a listener hears of every
// state a message enters, once, when the write commits, and of nothing a
// rolled-back transaction did or a connection without the feed wrote; the
// catch-up queries of docs/feed.md return what a listener missed.
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/status_store.hpp"

#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using core::Observation;
using core::Source;
using core::StateLabel;

Observation feed_report(const std::string& id, StateLabel label, std::int64_t second) {
    Observation o;
    o.sms_id = id;
    o.source = Source::callback;
    o.observed_at = core::Timestamp{std::chrono::seconds{1'750'000'000 + second}};
    o.state = label;
    o.send_status = label == StateLabel::waiting ? 2 : 5;
    o.type_id = 2;
    o.raw = "SMSID=" + id;
    return o;
}

// A service following outcomes: LISTENs on its own connection and keeps
// every payload it is sent.
class Listener : public pqxx::notification_receiver {
  public:
    explicit Listener(pqxx::connection_base& c)
        : pqxx::notification_receiver(c, "delivery_state_changed") {}
    void operator()(const std::string& payload, int) override { heard.push_back(payload); }

    // What arrived by now: waits up to a second for the first one, then
    // takes whatever else is there.
    std::vector<std::string> take() {
        conn().await_notification(1, 0);
        conn().get_notifs();
        return std::exchange(heard, {});
    }

  private:
    std::vector<std::string> heard;
};

std::string payload(const std::string& id, const std::string& state, bool final_) {
    return R"({"sms_id" : ")" + id + R"(", "state" : ")" + state + R"(", "is_final" : )" +
           (final_ ? "true" : "false") + R"(, "source" : "callback"})";
}

struct ChangeFeed : ::testing::Test {
    void SetUp() override {
        if (testing::admin_url().empty()) {
            GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)";
        }
        db = std::make_unique<testing::ScratchDatabase>();
        pool = std::make_unique<store::ConnectionPool>(
            store::PoolOptions{.url = db->url(), .size = 2, .change_feed = true});
        status = std::make_unique<store::StatusStore>(*pool);
        listening = std::make_unique<pqxx::connection>(db->url());
        listener = std::make_unique<Listener>(*listening);
    }
    void TearDown() override {
        listener.reset();
        listening.reset();
    }

    std::unique_ptr<testing::ScratchDatabase> db;
    std::unique_ptr<store::ConnectionPool> pool;
    std::unique_ptr<store::StatusStore> status;
    std::unique_ptr<pqxx::connection> listening;
    std::unique_ptr<Listener> listener;
};

TEST_F(ChangeFeed, OneNotificationPerStateEntered) {
    (void)status->apply(std::vector{feed_report("f-1", StateLabel::waiting, 1)});
    EXPECT_EQ(listener->take(), std::vector{payload("f-1", "waiting", false)});

    (void)status->apply(std::vector{feed_report("f-1", StateLabel::sent, 2)});
    EXPECT_EQ(listener->take(), std::vector{payload("f-1", "sent", true)});

    // The same report again, and an older one: no state is entered.
    (void)status->apply(std::vector{feed_report("f-1", StateLabel::sent, 2),
                                    feed_report("f-1", StateLabel::waiting, 0)});
    EXPECT_TRUE(listener->take().empty());

    // A batch: each row that entered a state, once.
    (void)status->apply(std::vector{feed_report("f-2", StateLabel::sent, 3),
                                    feed_report("f-3", StateLabel::waiting, 3),
                                    feed_report("f-3", StateLabel::sent, 4)});
    auto heard = listener->take();
    std::sort(heard.begin(), heard.end());
    EXPECT_EQ(heard, (std::vector{payload("f-2", "sent", true), payload("f-3", "sent", true)}));
}

TEST_F(ChangeFeed, NothingFromARolledBackTransactionOrAConnectionWithoutTheFeed) {
    (void)status->apply(std::vector{feed_report("f-1", StateLabel::waiting, 1)});
    ASSERT_EQ(listener->take().size(), 1U);

    pool->with_connection([](pqxx::connection_base& c) {
        pqxx::work tx(c);
        tx.exec(
            "UPDATE delivery_state SET state = 'failed', is_final = true "
            "WHERE sms_id = 'f-1'");
        tx.abort();
    });
    EXPECT_TRUE(listener->take().empty()) << "a rolled-back change is never heard of";

    // A sender's own insert, on a connection that did not turn the feed on.
    db->execute("INSERT INTO delivery_state (sms_id) VALUES ('registered-1')");
    EXPECT_TRUE(listener->take().empty());
}

TEST_F(ChangeFeed, TheCatchUpQueriesReturnWhatAListenerMissed) {
    (void)status->apply(std::vector{feed_report("f-1", StateLabel::waiting, 1),
                                    feed_report("f-2", StateLabel::waiting, 1)});
    ASSERT_EQ(listener->take().size(), 2U);
    const auto mark = db->scalar("SELECT max(event_id) FROM delivery_event");

    // Away: the listener's connection is gone while f-1 becomes final.
    listener.reset();
    listening.reset();
    (void)status->apply(std::vector{feed_report("f-1", StateLabel::sent, 2)});

    // Back: LISTEN first, then read, so nothing falls between the two.
    listening = std::make_unique<pqxx::connection>(db->url());
    listener = std::make_unique<Listener>(*listening);
    pqxx::work tx(*listening);
    // The messages the service still waits for, read by id.
    const auto waited = tx.exec(
        "SELECT sms_id, state, is_final FROM delivery_state "
        "WHERE sms_id = ANY('{f-1,f-2}'::text[]) AND is_final ORDER BY sms_id");
    ASSERT_EQ(waited.size(), 1U);
    EXPECT_EQ(waited[0][0].as<std::string>() + " " + waited[0][1].as<std::string>(), "f-1 sent");
    // Or every message a report changed since the last event id seen (less
    // a safety margin, which this test does not need).
    const auto reported = tx.exec_params(
        "SELECT DISTINCT s.sms_id, s.state FROM delivery_event e "
        "JOIN delivery_state s ON s.sms_id = e.sms_id WHERE e.event_id > $1",
        std::stoll(mark));
    ASSERT_EQ(reported.size(), 1U);
    EXPECT_EQ(reported[0][0].as<std::string>(), "f-1");
    tx.commit();
    EXPECT_TRUE(listener->take().empty()) << "no change happened since the LISTEN";
}

}  // namespace
}  // namespace deliveryd
