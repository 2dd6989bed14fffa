// The provider callback over real HTTP against the real binary and a real
// PostgreSQL: every seed sample, duplicates, order, hostile input, tokens,
// a database outage and a client that stalls.
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "deliveryd/store/migrations.hpp"

#include "support/daemon.hpp"
#include "support/http_get.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;
using testing::http_get;

std::string seed_query(const std::string& name) {
    std::ifstream in(std::string(DELIVERYD_SOURCE_DIR) + "/tests/data/seeds/" + name);
    std::stringstream text;
    text << in.rdbuf();
    auto query = text.str();
    while (!query.empty() && (query.back() == '\n' || query.back() == '\r')) {
        query.pop_back();
    }
    return query;
}

class CallbackTest : public ::testing::Test {
  protected:
    void start(const std::string& extra = "") {
        if (testing::admin_url().empty()) {
            GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)";
        }
        db = std::make_unique<testing::ScratchDatabase>();
        daemon = std::make_unique<testing::Daemon>(testing::daemon_config(db->url(), extra));
        ASSERT_NE(daemon->port, 0) << daemon->process.output();
    }
    testing::HttpResult callback(const std::string& query,
                                 const std::string& path = "/callback/esms") {
        return http_get(daemon->port, path + "?" + query);
    }
    [[nodiscard]] std::string rows() const {
        return db->scalar("SELECT count(*) FROM delivery_state");
    }
    [[nodiscard]] std::string events() const {
        return db->scalar("SELECT count(*) FROM delivery_event");
    }

    std::unique_ptr<testing::ScratchDatabase> db;
    std::unique_ptr<testing::Daemon> daemon;
};

TEST_F(CallbackTest, EverySeedSampleLandsInBothTables) {
    start();
    const char* const samples[] = {
        "callback_001_sms_cskh.txt",        "callback_001_sms_promo.txt",
        "callback_001_zns_failure.txt",     "callback_001_viber.txt",
        "callback_001_zalo_consulting.txt", "callback_001_zalo_transaction.txt",
        "callback_001_zalo_info_form.txt",  "callback_001_zns_journey.txt",
    };
    for (const auto* sample : samples) {
        const auto result = callback(seed_query(sample));
        EXPECT_EQ(result.status, 200) << sample << ": " << result.body;
        EXPECT_EQ(result.body, "OK") << sample;
    }
    // Eight reports about six messages: two samples repeat an SMSID.
    EXPECT_EQ(events(), "8");
    EXPECT_EQ(rows(), "6");
    const auto row = [&](const std::string& id, const std::string& columns) {
        return db->scalar("SELECT concat_ws(' ', " + columns +
                          ") FROM delivery_state WHERE sms_id = '" + id + "'");
    };
    EXPECT_EQ(row("dc712784-9c5f-4c69-b9a8-ea69d56adc9a87",
                  "state, is_final, resolved_by, send_failed, send_success, telco_id, phone"),
              "failed t callback 2 0 1 0901888484");
    EXPECT_EQ(
        row("82b0bb8aed914a0aab8deba567c9b8c2", "state, is_final, total_price, total_receiver"),
        "sent t 696987.0000 169");
    EXPECT_EQ(row("f66545d2-c7e2-4603-984e-d2238c363c8292",
                  "state, is_final, type_id, oa_id, template_id, error_code"),
              "failed t 25 1397492183140006179 2056446 -114");
    EXPECT_EQ(row("f66545d2-c7e2-4603-984e-d2238c363c8292", "error_message"),
              "User is inactive, or reject the message, or using an outdated Zalo version, or "
              "other internal errors");
    EXPECT_EQ(row("849fe08c19294b02857cf91687021a50250", "state, is_final, type_id, total_price"),
              "sent t 23 470.0000");
    // Zalo follower message: accepted by Zalo, not yet known on the phone.
    EXPECT_EQ(row("53dbbc6e816f4159a9035a14a787e08f172",
                  "state, is_final, partner_id, zalo_user_id, oa_id"),
              "sent f f405841b5f2352790b36 31215806834323092 4097311281936189049");
    // Success (error 0, "Success") is no error: nothing in the error columns,
    // nothing in the DBA errors view; the event keeps what was reported.
    EXPECT_EQ(row("53dbbc6e816f4159a9035a14a787e08f172",
                  "coalesce(error_code::text, 'null'), coalesce(error_message, 'null')"),
              "null null");
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_provider_errors WHERE error_code = 0"),
              "0");
    EXPECT_EQ(
        db->scalar("SELECT count(*) FROM delivery_event WHERE error_code = 0 AND "
                   "sms_id = '53dbbc6e816f4159a9035a14a787e08f172' AND provider_at IS NOT NULL"),
        "2");
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_event WHERE sms_id = "
                         "'53dbbc6e816f4159a9035a14a787e08f172'"),
              "2");
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_event WHERE error_code = -114 AND source = "
                         "'callback' AND raw_payload LIKE 'SMSID=f66545d2%'"),
              "1");

    const auto metrics = http_get(daemon->port, "/metrics").body;
    EXPECT_NE(metrics.find("deliveryd_callbacks_total{result=\"accepted\"} 7"), std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("deliveryd_callbacks_total{result=\"duplicate\"} 1"), std::string::npos);
    // Every callback handed to the group commit is timed, the duplicate too.
    EXPECT_NE(metrics.find("deliveryd_callback_seconds_count 8"), std::string::npos) << metrics;
}

TEST_F(CallbackTest, LateAndRepeatedReportsNeverMoveAStateBack) {
    start();
    const std::string id = "SMSID=order-1&TypeId=2&SendSuccess=1&SendFailed=0";
    EXPECT_EQ(callback(id + "&SendStatus=5").status, 200);
    EXPECT_EQ(callback(id + "&SendStatus=2").status, 200);  // "waiting", arriving late
    EXPECT_EQ(callback(id + "&SendStatus=5").status, 200);  // the same again
    EXPECT_EQ(db->scalar("SELECT state || ' ' || is_final FROM delivery_state"), "sent true");
    EXPECT_EQ(events(), "3");
}

TEST_F(CallbackTest, ARowMadeUnresolvedAgainIsDueForPolling) {
    start();
    // Taken for an SMS (no TypeId yet): final, nothing left to ask.
    EXPECT_EQ(callback("SMSID=flip-1&SendStatus=5&SendSuccess=1&SendFailed=0").status, 200);
    EXPECT_EQ(db->scalar("SELECT is_final || ' ' || (next_poll_at IS NULL) FROM delivery_state"),
              "true true");
    // A ZNS report for the same id: accepted by Zalo, the receipt still to come.
    EXPECT_EQ(callback("SMSID=flip-1&SendStatus=5&SendSuccess=1&SendFailed=0&TypeId=25").status,
              200);
    EXPECT_EQ(db->scalar("SELECT state || ' ' || is_final || ' ' || (next_poll_at <= now()) "
                         "FROM delivery_state"),
              "sent false true");
}

TEST_F(CallbackTest, UnfamiliarValuesAreStoredNotRefused) {
    start();
    // Undocumented and negative statuses and counts: answered 200, stored in
    // the event log as received, the row left unresolved.
    EXPECT_EQ(callback("SMSID=odd-1&SendStatus=9&SendSuccess=1&TypeId=2").status, 200);
    EXPECT_EQ(callback("SMSID=odd-2&SendStatus=-1&SendFailed=-3&telcoid=-2&TypeId=2").status, 200);
    EXPECT_EQ(db->scalar("SELECT string_agg(state || ' ' || is_final || ' ' || "
                         "coalesce(next_poll_at IS NOT NULL, false), ',' ORDER BY sms_id) "
                         "FROM delivery_state"),
              "submitted false true,submitted false true");
    EXPECT_EQ(
        db->scalar("SELECT string_agg(send_status::text || '/' || "
                   "coalesce(send_failed::text, '-'), ',' ORDER BY sms_id) FROM delivery_event"),
        "9/-,-1/-3");
    // A negative count stays out of the row.
    EXPECT_EQ(db->scalar("SELECT send_failed IS NULL FROM delivery_state WHERE sms_id = 'odd-2'"),
              "t");
    const auto metrics = http_get(daemon->port, "/metrics").body;
    EXPECT_NE(metrics.find("deliveryd_unknown_status_total{source=\"callback\",value=\"9\"} 1"),
              std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("deliveryd_unknown_status_total{source=\"callback\",value=\"-1\"} 1"),
              std::string::npos);

    // A ZNS sent to a Zalo user id carries it in phonenumber.
    EXPECT_EQ(callback("SMSID=uid-1&SendStatus=5&SendSuccess=1&TypeId=25&"
                       "phonenumber=8123456789012345678")
                  .status,
              200);
    EXPECT_EQ(db->scalar("SELECT coalesce(phone, 'null') || ' ' || zalo_user_id FROM "
                         "delivery_state WHERE sms_id = 'uid-1'"),
              "null 8123456789012345678");
}

TEST_F(CallbackTest, MalformedInputGetsItsStatusAndChangesNothing) {
    start("  read_timeout: 2s\n");
    const std::vector<std::pair<std::string, int>> cases{
        {"/callback/esms", 400},
        {"/callback/esms?SendStatus=5", 400},
        {"/callback/esms?SMSID=&SendStatus=5", 400},
        {"/callback/esms?SMSID=" + std::string(129, 'a') + "&SendStatus=5", 400},
        {"/callback/esms?SMSID=has%20space&SendStatus=5", 400},
        {"/callback/esms?SMSID=has+plus-space&SendStatus=5", 400},
        {"/callback/esms?SMSID=quote%22d&SendStatus=5", 400},
        {"/callback/esms?SMSID=semi%3Bcolon&SendStatus=5", 400},
        {"/callback/esms?SMSID=nul%00byte&SendStatus=5", 400},
        {"/callback/esms?SMSID=bad%zzescape&SendStatus=5", 400},
        {"/callback/esms?SMSID=ok-id&SendStatus=5&error_info=%4", 400},
        {"/callback/esms?SMSID=ok-id&SendStatus=five", 400},
        {"/callback/esms?SMSID=ok-id&SendStatus=99999999999", 400},
        {"/callback/esms?SMSID=ok-id&SendStatus=2147483648", 400},
        {"/callback/esms?SMSID=ok-id&SendStatus=5&TotalPrice=1.23456", 400},
        {"/callback/esms?SMSID=ok-id&SendStatus=5&TotalSent=1e3", 400},
        {"/callback/esms?SMSID=a-id&SMSID=b-id&SendStatus=5", 400},
        {"/callback/esms/extra?SMSID=ok-id&SendStatus=5", 404},
        {"/callback/esms?SMSID=ok-id&SendStatus=5&x=" + std::string(9000, 'x'), 414},
    };
    for (const auto& [target, status] : cases) {
        EXPECT_EQ(http_get(daemon->port, target).status, status) << target.substr(0, 120);
    }
    EXPECT_EQ(testing::http_request(daemon->port, "POST", "/callback/esms?SMSID=ok-id&SendStatus=5")
                  .status,
              405);
    // A request line of 100 KB, and 20 KB of header fields.
    EXPECT_EQ(testing::raw_exchange(daemon->port,
                                    "GET /callback/esms?SMSID=" + std::string(100'000, 'a') +
                                        " HTTP/1.1\r\nHost: x\r\n\r\n"),
              414);
    EXPECT_EQ(testing::raw_exchange(
                  daemon->port, "GET /callback/esms?SMSID=ok-id HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                    std::string(20'000, 'b') + "\r\n\r\n"),
              431);
    EXPECT_EQ(testing::raw_exchange(daemon->port, "THIS IS NOT HTTP\r\n\r\n"), 400);
    EXPECT_EQ(rows(), "0");
    EXPECT_EQ(events(), "0");
    // And the server still serves.
    EXPECT_EQ(callback("SMSID=fine-1&SendStatus=5&TypeId=2").status, 200);
    EXPECT_EQ(rows(), "1");
}

TEST_F(CallbackTest, TheTokenIsRequiredWhenConfigured) {
    start("  callback_token: s3cret-token\n");
    EXPECT_EQ(callback("SMSID=t-1&SendStatus=5").status, 401);
    EXPECT_EQ(callback("SMSID=t-1&SendStatus=5", "/callback/esms/wrong").status, 404);
    EXPECT_EQ(callback("SMSID=t-1&SendStatus=5", "/callback/esms/s3cret-tok").status, 404);
    EXPECT_EQ(callback("SMSID=t-1&SendStatus=5", "/callback/esms/s3cret-token-and-more").status,
              404);
    EXPECT_EQ(rows(), "0");
    EXPECT_EQ(callback("SMSID=t-1&SendStatus=5", "/callback/esms/s3cret-token").status, 200);
    EXPECT_EQ(rows(), "1");
    EXPECT_EQ(daemon->process.output().find("s3cret"), std::string::npos);
}

TEST_F(CallbackTest, PeersOutsideTheAllowedNetworksAreRefused) {
    start("  allow_cidrs: [10.0.0.0/8, 2001:db8::/32]\n");
    EXPECT_EQ(callback("SMSID=c-1&SendStatus=5").status, 403);
    EXPECT_EQ(rows(), "0");
}

TEST_F(CallbackTest, AStalledClientDelaysNobodyElse) {
    start("  read_timeout: 2s\n");
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket stalled(ioc);
    stalled.connect({boost::asio::ip::make_address("127.0.0.1"), daemon->port});
    boost::asio::write(stalled, boost::asio::buffer(std::string("GET /callback/esms?SMSID=half")));

    const auto start_time = std::chrono::steady_clock::now();
    EXPECT_EQ(callback("SMSID=other-1&SendStatus=5&TypeId=2").status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - start_time, 1s);

    // The stalled connection is closed once its read deadline passes.
    char byte = 0;
    boost::system::error_code ec;
    stalled.read_some(boost::asio::buffer(&byte, 1), ec);
    EXPECT_TRUE(ec) << "the server should close a stalled connection";
    EXPECT_EQ(db->scalar("SELECT string_agg(sms_id, ',') FROM delivery_state"), "other-1");
}

TEST(CallbackOutage, DatabaseDownMeans503NeverOkAndRecoveryNeedsNoRestart) {
    if (testing::admin_url().empty()) {
        GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)";
    }
    testing::PrivateCluster cluster;
    (void)store::migrate(cluster.url());
    testing::Daemon d(testing::daemon_config(cluster.url()));
    ASSERT_NE(d.port, 0) << d.process.output();
    EXPECT_EQ(http_get(d.port, "/callback/esms?SMSID=before-1&SendStatus=5&TypeId=2").status, 200);

    ASSERT_TRUE(cluster.stop());
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(
            http_get(d.port,
                     "/callback/esms?SMSID=during-" + std::to_string(i) + "&SendStatus=5&TypeId=2",
                     15s)
                .status,
            503);
    }
    ASSERT_TRUE(cluster.start());
    EXPECT_TRUE(testing::eventually_status(
        d.port, "/callback/esms?SMSID=after-1&SendStatus=5&TypeId=2", 200, 15s))
        << d.process.output();

    pqxx::connection c(cluster.url());
    pqxx::nontransaction tx(c);
    EXPECT_EQ(tx.exec("SELECT string_agg(sms_id, ',' ORDER BY sms_id) FROM delivery_state")[0][0]
                  .as<std::string>(),
              "after-1,before-1");
}

}  // namespace
}  // namespace deliveryd
