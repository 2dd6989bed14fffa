// The admin listener's HTML pages over real HTTP: nothing without a login,
// a login that sets a cookie that is not the token, a search by each key,
// one message's reports in the order received, numbers masked unless asked
// for in full, everything from the database escaped, and none of it on the
// callback port.
#include <csignal>
#include <string>

#include <gtest/gtest.h>

#include "support/daemon.hpp"
#include "support/http_get.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;

constexpr const char* admin_token = "admin-token-0123456789";

// A response header by its lower-case name; empty when absent.
std::string header(const testing::HttpResult& res, const std::string& name) {
    const auto found = res.headers.find(name);
    return found == res.headers.end() ? std::string() : found->second;
}

struct AdminPages : ::testing::Test {
    void SetUp() override {
        if (testing::admin_url().empty()) {
            GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)";
        }
        db = std::make_unique<testing::ScratchDatabase>();
        admin_port = testing::free_local_port();
        daemon = std::make_unique<testing::Daemon>(
            testing::admin_daemon_config(db->url(), admin_port, admin_token));
        ASSERT_TRUE(daemon->wait_admin_ready()) << daemon->process.output();
        // A ZNS that failed (Zalo's -118), with two reports carrying the
        // number in two forms.
        db->execute(
            "INSERT INTO delivery_state (sms_id, type_id, oa_id, phone, request_id) VALUES "
            "('zns-1', 25, '1397492183140006179', '0912345678', 'order-9')");
        ASSERT_EQ(testing::http_get(daemon->port,
                                    "/callback/esms?SMSID=zns-1&SendStatus=2&TypeId=25"
                                    "&OAId=1397492183140006179&phonenumber=%2B84912345678")
                      .status,
                  200);
        ASSERT_EQ(testing::http_get(daemon->port,
                                    "/callback/esms?SMSID=zns-1&SendStatus=5&TypeId=25"
                                    "&OAId=1397492183140006179&phonenumber=84912345678"
                                    "&SendSuccess=0&SendFailed=1&error_info=%7B%22error%22%3A"
                                    "-118%2C%22message%22%3A%22Zalo%20account%20not%20existed"
                                    "%22%7D")
                      .status,
                  200);
    }

    void TearDown() override {
        if (daemon) {
            daemon->process.send_signal(SIGTERM);
            EXPECT_EQ(daemon->process.wait_exit(20s), 0) << daemon->process.output();
        }
    }

    [[nodiscard]] testing::HttpResult login(const std::string& given,
                                            const std::string& next = "") const {
        return testing::http_request(admin_port, "POST", "/login",
                                     {{"Content-Type", "application/x-www-form-urlencoded"}},
                                     "token=" + given + (next.empty() ? "" : "&next=" + next));
    }

    // The session cookie of a fresh login ("deliveryd_admin=...").
    [[nodiscard]] std::string session() const {
        const auto res = login(admin_token);
        const auto cookie = res.headers.find("set-cookie");
        if (res.status != 303 || cookie == res.headers.end()) {
            ADD_FAILURE() << "login: " << res.status << " " << res.body;
            return {};
        }
        return cookie->second.substr(0, cookie->second.find(';'));
    }

    [[nodiscard]] testing::HttpResult page(const std::string& target,
                                           const std::string& cookie) const {
        return testing::http_request(admin_port, "GET", target, {{"Cookie", cookie}});
    }

    std::unique_ptr<testing::ScratchDatabase> db;
    std::unique_ptr<testing::Daemon> daemon;
    unsigned short admin_port = 0;
};

TEST_F(AdminPages, EveryPageSendsAStrangerToTheLogin) {
    for (const std::string target : {"/", "/messages/zns-1", "/messages?q=zns-1", "/nowhere"}) {
        const auto res = testing::http_request(admin_port, "GET", target);
        EXPECT_EQ(res.status, 303) << target;
        EXPECT_TRUE(header(res, "location").starts_with("/login?next=%2F"))
            << target << ": " << header(res, "location");
        EXPECT_EQ(res.body.find("zns-1"), std::string::npos);
    }
    EXPECT_EQ(page("/", "deliveryd_admin=" + std::string(64, 'a')).status, 303)
        << "a made-up session";
    EXPECT_EQ(page("/", std::string("deliveryd_admin=") + admin_token).status, 303)
        << "the token is not a session";
    const auto form = testing::http_get(admin_port, "/login");
    EXPECT_EQ(form.status, 200);
    EXPECT_NE(form.body.find("<form method=\"post\" action=\"/login\">"), std::string::npos);
    EXPECT_NE(form.body.find("name=\"viewport\""), std::string::npos);
}

TEST_F(AdminPages, AWrongTokenGetsNoCookie) {
    for (const std::string given : {"admin-token-0123456788", "", "admin-token-01234567890"}) {
        const auto res = login(given);
        EXPECT_EQ(res.status, 401) << given;
        EXPECT_FALSE(res.headers.contains("set-cookie")) << given;
        EXPECT_NE(res.body.find("not the admin token"), std::string::npos);
    }
    EXPECT_TRUE(daemon->process.wait_for_line("a login with a wrong token", 5s));
}

TEST_F(AdminPages, TheLoginCookieOpensThePagesAndIsNotTheToken) {
    const auto res = login(admin_token, "%2Fmessages%2Fzns-1");
    ASSERT_EQ(res.status, 303) << res.body;
    EXPECT_EQ(header(res, "location"), "/messages/zns-1");
    const auto set_cookie = header(res, "set-cookie");
    EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
    EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
    EXPECT_NE(set_cookie.find("Path=/"), std::string::npos) << set_cookie;
    EXPECT_EQ(set_cookie.find(admin_token), std::string::npos) << set_cookie;
    const auto cookie = set_cookie.substr(0, set_cookie.find(';'));

    const auto overview = page("/", cookie);
    EXPECT_EQ(overview.status, 200) << overview.body;
    EXPECT_NE(overview.body.find("Messages today"), std::string::npos);
    EXPECT_EQ(header(overview, "content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(page("/messages/zns-1", cookie).status, 200);
    EXPECT_EQ(page("/api/messages/zns-1", cookie).status, 200) << "the JSON API takes it too";
    EXPECT_EQ(testing::http_request(admin_port, "GET", "/",
                                    {{"Authorization", std::string("Bearer ") + admin_token}})
                  .status,
              200)
        << "and the pages the bearer token";

    EXPECT_EQ(header(login(admin_token, "%2F%2Fevil.example%2F"), "location"), "/")
        << "never sent to another site";

    const auto out = testing::http_request(admin_port, "POST", "/logout", {{"Cookie", cookie}});
    EXPECT_EQ(out.status, 303);
    EXPECT_EQ(page("/", cookie).status, 303) << "logged out";
    EXPECT_EQ(daemon->process.output().find(admin_token), std::string::npos)
        << "the token is never logged";
}

TEST_F(AdminPages, TheCallbackListenerServesNoPage) {
    const auto cookie = session();
    for (const std::string target : {"/", "/login", "/messages/zns-1", "/messages?q=zns-1"}) {
        const auto res = testing::http_request(
            daemon->port, "GET", target,
            {{"Cookie", cookie}, {"Authorization", std::string("Bearer ") + admin_token}});
        EXPECT_EQ(res.status, 404) << target;
        EXPECT_EQ(res.body.find("zns-1"), std::string::npos) << target;
    }
    EXPECT_EQ(testing::http_request(daemon->port, "POST", "/login",
                                    {{"Content-Type", "application/x-www-form-urlencoded"}},
                                    std::string("token=") + admin_token)
                  .headers.count("set-cookie"),
              0u);
}

TEST_F(AdminPages, EachKeyFindsTheMessage) {
    const auto cookie = session();
    const auto by_id = page("/messages?q=zns-1", cookie);
    EXPECT_EQ(by_id.status, 303);
    EXPECT_EQ(header(by_id, "location"), "/messages/zns-1");

    for (const std::string phone :
         {"0912345678", "84912345678", "%2B84912345678", "%2B84+912+345+678", "091-234-5678"}) {
        const auto res = page("/messages?q=" + phone, cookie);
        EXPECT_EQ(res.status, 200) << phone;
        EXPECT_NE(res.body.find("href=\"/messages/zns-1\""), std::string::npos)
            << phone << ": " << res.body;
        EXPECT_NE(res.body.find("Messages to phone number"), std::string::npos) << phone;
    }
    const auto by_request = page("/messages?q=order-9", cookie);
    EXPECT_EQ(by_request.status, 200);
    EXPECT_NE(by_request.body.find("Messages of send request"), std::string::npos);
    EXPECT_NE(by_request.body.find("href=\"/messages/zns-1\""), std::string::npos);
    EXPECT_NE(page("/messages?by=request_id&q=order-9", cookie).body.find("/messages/zns-1"),
              std::string::npos);

    const auto none = page("/messages?q=nobody-sent-this", cookie);
    EXPECT_EQ(none.status, 200);
    EXPECT_NE(none.body.find("No message found"), std::string::npos);
    EXPECT_EQ(page("/messages/nobody", cookie).status, 404);
    EXPECT_EQ(page("/messages?q=", cookie).status, 400);
    EXPECT_EQ(page("/messages?q=0912345678&by=phone&before=nonsense", cookie).status, 400);
}

TEST_F(AdminPages, SearchPagesFollowTheCursor) {
    db->execute(R"sql(
        INSERT INTO delivery_state (sms_id, request_id, submitted_at)
        SELECT 'bulk-' || lpad(i::text, 3, '0'), 'bulk', now() - i * interval '1 second'
        FROM generate_series(1, 60) AS i;
    )sql");
    const auto cookie = session();
    const auto first = page("/messages?q=bulk", cookie);
    ASSERT_EQ(first.status, 200);
    EXPECT_NE(first.body.find("/messages/bulk-001\""), std::string::npos);
    EXPECT_NE(first.body.find("/messages/bulk-050\""), std::string::npos);
    EXPECT_EQ(first.body.find("/messages/bulk-051\""), std::string::npos);
    const auto link = first.body.find("id=\"next\" href=\"");
    ASSERT_NE(link, std::string::npos) << first.body;
    const auto start = link + std::string("id=\"next\" href=\"").size();
    std::string next = first.body.substr(start, first.body.find('"', start) - start);
    for (std::size_t at = next.find("&amp;"); at != std::string::npos; at = next.find("&amp;")) {
        next.replace(at, 5, "&");
    }
    const auto second = page(next, cookie);
    ASSERT_EQ(second.status, 200) << next;
    EXPECT_NE(second.body.find("/messages/bulk-051\""), std::string::npos) << next;
    EXPECT_NE(second.body.find("/messages/bulk-060\""), std::string::npos);
    EXPECT_EQ(second.body.find("/messages/bulk-050\""), std::string::npos);
    EXPECT_EQ(second.body.find("id=\"next\""), std::string::npos) << "the last page";
}

TEST_F(AdminPages, AMessageShowsItsReportsInOrder) {
    const auto cookie = session();
    const auto res = page("/messages/zns-1", cookie);
    ASSERT_EQ(res.status, 200) << res.body;
    const auto& html = res.body;
    const auto state = db->scalar("SELECT state FROM delivery_state WHERE sms_id = 'zns-1'");
    EXPECT_EQ(state, "failed");
    EXPECT_NE(html.find("<p id=\"state\"><span class=\"state state-" + state + "\">"),
              std::string::npos)
        << html;
    EXPECT_NE(html.find("Timeline: 2 reports"), std::string::npos);
    const auto first = html.find("SendStatus 2");
    const auto second = html.find("SendStatus 5");
    ASSERT_NE(first, std::string::npos);
    ASSERT_NE(second, std::string::npos);
    EXPECT_LT(first, second) << "in the order received";
    EXPECT_NE(html.find("Zalo: no Zalo account for this phone number"), std::string::npos)
        << "the error code in words";
    EXPECT_NE(html.find("<details><summary>Raw report</summary>"), std::string::npos);
    EXPECT_NE(html.find("the provider&#39;s callback"), std::string::npos);
    EXPECT_NE(html.find("href=\"/messages?by=request_id&amp;q=order-9\""), std::string::npos);
}

TEST_F(AdminPages, NoFullNumberNorTheTokenUnlessAskedFor) {
    const auto cookie = session();
    for (const std::string target :
         {"/", "/messages/zns-1", "/messages?q=0912345678", "/messages?q=order-9", "/login"}) {
        const auto res = page(target, cookie);
        EXPECT_EQ(res.body.find("912345678"), std::string::npos) << target << ": " << res.body;
        EXPECT_EQ(res.body.find(admin_token), std::string::npos) << target;
    }
    const auto full = page("/messages/zns-1?unmask=1", cookie);
    ASSERT_EQ(full.status, 200);
    const auto phone = db->scalar("SELECT phone FROM delivery_state WHERE sms_id = 'zns-1'");
    EXPECT_NE(full.body.find("<code>" + phone + "</code>"), std::string::npos) << full.body;
    EXPECT_NE(full.body.find("phonenumber=%2B84912345678"), std::string::npos)
        << "the raw report in full too";
    EXPECT_EQ(full.body.find(admin_token), std::string::npos);
    EXPECT_TRUE(daemon->process.wait_for_line("message zns-1 shown with its phone number", 5s));
    const auto list = page("/messages?q=0912345678&unmask=1", cookie);
    EXPECT_NE(list.body.find("<code>" + phone + "</code>"), std::string::npos) << list.body;
    EXPECT_NE(list.body.find("href=\"/messages/zns-1?unmask=1\""), std::string::npos);
    EXPECT_TRUE(daemon->process.wait_for_line("a search's messages shown with their numbers", 5s));
}

TEST_F(AdminPages, WhatTheDatabaseHoldsIsWrittenAsText) {
    db->execute(R"sql(
        INSERT INTO delivery_state (sms_id, request_id, error_code, error_message, state)
        VALUES ('x<b>1', '<script>alert(1)</script>', 99999, '<img src=x onerror=alert(2)>',
                'failed');
    )sql");
    const auto cookie = session();
    const auto res = page("/messages/x%3Cb%3E1", cookie);
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.body.find("<script>alert"), std::string::npos);
    EXPECT_EQ(res.body.find("<img"), std::string::npos);
    EXPECT_EQ(res.body.find("x<b>1"), std::string::npos);
    EXPECT_NE(res.body.find("x&lt;b&gt;1"), std::string::npos);
    EXPECT_NE(res.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
    const auto overview = page("/", cookie);
    EXPECT_EQ(overview.body.find("<img"), std::string::npos);
    EXPECT_NE(overview.body.find("href=\"/messages/x%3Cb%3E1\""), std::string::npos)
        << overview.body;
    const auto echoed = page("/messages?q=%3Cscript%3E", cookie);
    EXPECT_EQ(echoed.body.find("<script>"), std::string::npos);
}

TEST_F(AdminPages, TheOverviewCountsTodayTheBacklogTheLimitsAndTheErrors) {
    db->execute(R"sql(
        INSERT INTO delivery_state (sms_id, state, is_final, error_code, submitted_at) VALUES
            ('t-1', 'delivered', true, NULL, now()),
            ('t-2', 'failed', true, -118, now()),
            ('t-3', 'sent', false, NULL, now() - interval '2 hours'),
            ('old-1', 'failed', true, -124, now() - interval '3 days');
        INSERT INTO deliveryd_poll_activity
            (account, endpoint, scope, replica, rate_limit, utilisation, queued_calls, due_rows)
        VALUES ('default', 'query_zns_status', 'esms/default', 'host-1', 5, 0.4, 3, 120);
    )sql");
    const auto cookie = session();
    const auto res = page("/", cookie);
    ASSERT_EQ(res.status, 200) << res.body;
    const auto& html = res.body;
    EXPECT_NE(html.find("state-delivered\">delivered</span></td><td>1</td>"), std::string::npos)
        << html;
    EXPECT_NE(html.find("<td>1h-6h</td><td>1</td>"), std::string::npos) << html;
    EXPECT_NE(html.find("query_zns_status"), std::string::npos);
    EXPECT_NE(html.find("<td>40%</td>"), std::string::npos);
    EXPECT_NE(html.find("href=\"/messages/t-2\""), std::string::npos) << "today's error";
    EXPECT_NE(html.find("no Zalo account"), std::string::npos) << html;
    EXPECT_EQ(html.find("old-1"), std::string::npos) << "not today's";
}

}  // namespace
}  // namespace deliveryd
