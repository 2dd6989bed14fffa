// The admin listener over real HTTP: its own port and token, one message's
// row and reports as JSON, phone numbers and Zalo user ids masked unless
// asked for in full (and then logged), nothing of it on the callback port.
#include <csignal>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "deliveryd/core/phone.hpp"

#include "support/daemon.hpp"
#include "support/http_get.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr const char* token = "admin-token-0123456789";

struct AdminApi : ::testing::Test {
    void SetUp() override {
        if (testing::admin_url().empty()) {
            GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)";
        }
        db = std::make_unique<testing::ScratchDatabase>();
        admin_port = testing::free_local_port();
        daemon = std::make_unique<testing::Daemon>(
            testing::admin_daemon_config(db->url(), admin_port, token));
        ASSERT_TRUE(daemon->wait_admin_ready()) << daemon->process.output();
        // A ZNS with two reports, each carrying the number in another form.
        ASSERT_EQ(testing::http_get(daemon->port,
                                    "/callback/esms?SMSID=zns-1&SendStatus=5&TypeId=25"
                                    "&OAId=1397492183140006179&phonenumber=%2B84912345678")
                      .status,
                  200);
        ASSERT_EQ(testing::http_get(daemon->port,
                                    "/callback/esms?SMSID=zns-1&SendStatus=6&TypeId=25"
                                    "&OAId=1397492183140006179&phonenumber=84912345678"
                                    "&error_info=-124%3AUser%20is%20inactive")
                      .status,
                  200);
    }

    void TearDown() override {
        if (daemon) {
            daemon->process.send_signal(SIGTERM);
            EXPECT_EQ(daemon->process.wait_exit(20s), 0) << daemon->process.output();
        }
    }

    [[nodiscard]] testing::HttpResult get(const std::string& target,
                                          const std::string& bearer = token) const {
        return testing::http_request(admin_port, "GET", target,
                                     {{"Authorization", "Bearer " + bearer}});
    }

    std::unique_ptr<testing::ScratchDatabase> db;
    std::unique_ptr<testing::Daemon> daemon;
    unsigned short admin_port = 0;
};

TEST_F(AdminApi, AMissingOrWrongTokenIsRefused) {
    EXPECT_EQ(testing::http_request(admin_port, "GET", "/api/messages/zns-1").status, 401);
    EXPECT_EQ(get("/api/messages/zns-1", "admin-token-0123456788").status, 401);
    EXPECT_EQ(get("/api/messages/zns-1", std::string(token) + "x").status, 401);
    EXPECT_EQ(get("/api/messages/zns-1").status, 200);
}

TEST_F(AdminApi, TheCallbackListenerServesNoAdminRoute) {
    EXPECT_EQ(testing::http_request(daemon->port, "GET", "/api/messages/zns-1",
                                    {{"Authorization", std::string("Bearer ") + token}})
                  .status,
              404);
    EXPECT_EQ(get("/metrics").status, 404) << "and the admin listener no probe or metrics";
}

TEST_F(AdminApi, AMessageComesWithItsReportsInOrderAndItsNumberMasked) {
    const auto res = get("/api/messages/zns-1");
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.body.find("912345678"), std::string::npos)
        << "no form of the number: " << res.body;
    const auto body = json::parse(res.body).as_object();
    EXPECT_TRUE(body.at("masked").as_bool());
    const auto& message = body.at("message").as_object();
    EXPECT_EQ(message.at("sms_id").as_string(), "zns-1");
    EXPECT_EQ(message.at("state").as_string(),
              db->scalar("SELECT state FROM delivery_state WHERE sms_id = 'zns-1'"));
    EXPECT_EQ(message.at("phone").as_string(), "849******78");
    const auto& events = body.at("events").as_array();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].at("send_status").as_int64(), 5);
    EXPECT_EQ(events[1].at("send_status").as_int64(), 6);
    EXPECT_NE(events[0].at("raw_payload").as_string().find("phonenumber=%2B*********78"),
              std::string::npos)
        << events[0].at("raw_payload");

    EXPECT_FALSE(message.contains("error_meaning")) << "no error, no meaning";

    EXPECT_EQ(get("/api/messages/nobody").status, 404);
    EXPECT_EQ(get("/api/messages/").status, 404);
    EXPECT_EQ(testing::http_request(admin_port, "POST", "/api/messages/zns-1",
                                    {{"Authorization", std::string("Bearer ") + token}})
                  .status,
              405);
}

TEST_F(AdminApi, UnmaskingShowsTheNumberAndIsLogged) {
    const auto res = get("/api/messages/zns-1?unmask=1");
    ASSERT_EQ(res.status, 200) << res.body;
    const auto body = json::parse(res.body).as_object();
    EXPECT_FALSE(body.at("masked").as_bool());
    EXPECT_EQ(body.at("message").at("phone").as_string(), "84912345678");
    EXPECT_TRUE(daemon->process.wait_for_line("shown with its phone number", 5s))
        << daemon->process.output();
    EXPECT_EQ(daemon->process.output().find(token), std::string::npos)
        << "the token is never logged";
}

TEST_F(AdminApi, MessagesToOneNumberInAnyFormComeNewestFirstPageByPage) {
    db->execute(R"sql(
        INSERT INTO delivery_state (sms_id, phone, state, error_code, submitted_at) VALUES
            ('p-1', '0987654321', 'delivered', NULL, now() - interval '3 hours'),
            ('p-2', '+84987654321', 'failed', -118, now() - interval '2 hours'),
            ('p-3', '84987654321', 'sent', NULL, now() - interval '1 hour'),
            ('p-4', '0987654322', 'sent', NULL, now() - interval '1 hour');
    )sql");
    const auto first = get("/api/messages?phone=%2B84987654321&limit=2");
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.body.find("987654321"), std::string::npos) << first.body;
    const auto page = json::parse(first.body).as_object();
    const auto& messages = page.at("messages").as_array();
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[1].at("error_meaning").as_string(),
              "Zalo: no Zalo account for this phone number, or it was deactivated");
    EXPECT_EQ(messages[0].at("sms_id").as_string(), "p-3");
    EXPECT_EQ(messages[1].at("sms_id").as_string(), "p-2");
    EXPECT_EQ(messages[1].at("phone").as_string(), "+84*******21");
    ASSERT_TRUE(page.at("next").is_string());

    const auto cursor = std::string(page.at("next").as_string());
    std::string encoded;
    for (const char c : cursor) {
        encoded += c == ':' ? std::string("%3A") : std::string(1, c);
    }
    const auto second = get("/api/messages?phone=0987654321&limit=2&before=" + encoded);
    ASSERT_EQ(second.status, 200) << second.body;
    const auto rest = json::parse(second.body).as_object();
    ASSERT_EQ(rest.at("messages").as_array().size(), 1u);
    EXPECT_EQ(rest.at("messages").as_array()[0].at("sms_id").as_string(), "p-1");
    EXPECT_TRUE(rest.at("next").is_null());

    EXPECT_EQ(get("/api/messages?phone=987654321").body.find("p-4"), std::string::npos);
    EXPECT_EQ(get("/api/messages").status, 400);
    EXPECT_EQ(get("/api/messages?phone=0987654321&before=nonsense").status, 400);
    EXPECT_EQ(get("/api/messages?phone=0987654321&limit=0").status, 400);
    EXPECT_EQ(get("/api/messages?phone=0987654321&limit=201").status, 400);
}

TEST_F(AdminApi, MessagesOfOneSendRequestAreFoundByItsRequestId) {
    db->execute(R"sql(
        INSERT INTO delivery_state (sms_id, request_id, submitted_at) VALUES
            ('r-1', 'order-77', now() - interval '2 minutes'),
            ('r-2', 'order-77', now() - interval '1 minute'),
            ('r-3', 'order-78', now());
    )sql");
    const auto res = get("/api/messages?request_id=order-77");
    ASSERT_EQ(res.status, 200) << res.body;
    const auto body = json::parse(res.body);
    const auto& messages = body.at("messages").as_array();
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[0].at("sms_id").as_string(), "r-2");
    EXPECT_EQ(messages[1].at("sms_id").as_string(), "r-1");
    EXPECT_EQ(get("/api/messages?request_id=order-77&phone=0912345678").status, 400)
        << "one key at a time";
}

TEST_F(AdminApi, ThePhoneKeyOfTheDatabaseIsTheSubscriberNumberOfTheCode) {
    for (const std::string phone :
         {"0912345678", "84912345678", "+84912345678", "912345678", "841234567", "01234567890",
          "841234567890", "84012345678", "5843210987654321", "+15551234567", "0903,000", "+"}) {
        EXPECT_EQ(db->scalar("SELECT delivery_phone_key('" + phone + "')"),
                  core::phone_subscriber(phone).value_or(phone))
            << phone;
    }
}

}  // namespace
}  // namespace deliveryd
