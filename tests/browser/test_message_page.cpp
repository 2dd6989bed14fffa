// The support agent's pages in a real browser: deliveryd on a scratch
// database with a failed ZNS and its reports, then Debian's Chromium driven by
// playwright-core (message_page.test.mjs) logs in, searches, opens the message
// and checks its timeline, saving screenshots under the build tree. Only
// 127.0.0.1 is reached; every step has a timeout.
//
// Needs node, /usr/bin/chromium and tests/browser/node_modules (scripts/test.sh
// installs them). Without them the test is skipped, unless
// DELIVERYD_BROWSER_TESTS=1 (scripts/test.sh sets it) makes that a failure.
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "support/child_process.hpp"
#include "support/daemon.hpp"
#include "support/http_get.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* token = "browser-test-token-0123456789";
constexpr const char* sms_id = "4f9c2e1a-7b3d-4e8f-a1c6-0d5b9e2f7a31";
const fs::path browser_dir = fs::path(DELIVERYD_SOURCE_DIR) / "tests" / "browser";

TEST(BrowserMessagePage, AnAgentFindsAFailedZnsAndReadsItsTimeline) {
    if (testing::admin_url().empty()) {
        GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)";
    }
    const char* required = std::getenv("DELIVERYD_BROWSER_TESTS");
    const bool must_run = required != nullptr && std::string(required) == "1";
    for (const auto& needed : {fs::path("/usr/bin/chromium"), fs::path("/usr/bin/node"),
                               browser_dir / "node_modules" / "playwright-core"}) {
        if (!fs::exists(needed)) {
            if (must_run) {
                FAIL() << needed << " is missing (scripts/test.sh installs it)";
            }
            GTEST_SKIP() << needed << " is missing (scripts/test.sh installs it)";
        }
    }

    testing::ScratchDatabase db;
    const auto admin_port = testing::free_local_port();
    testing::Daemon daemon(testing::admin_daemon_config(db.url(), admin_port, token));
    ASSERT_TRUE(daemon.wait_admin_ready()) << daemon.process.output();

    // A ZNS as a sender registers it, then the provider's three callbacks:
    // waiting for approval, queued, and failed with Zalo's -118 (no Zalo
    // account for the number).
    db.execute(std::string("INSERT INTO delivery_state (sms_id, type_id, oa_id, phone, "
                           "request_id, template_id, submitted_at) VALUES ('") +
               sms_id +
               "', 25, '1397492183140006179', '0912345678', 'order-2041', '218835', "
               "now() - interval '3 minutes')");
    const std::string common = std::string("/callback/esms?SMSID=") + sms_id +
                               "&TypeId=25&OAId=1397492183140006179&phonenumber=%2B84912345678";
    for (const std::string& report :
         {std::string("&SendStatus=1"), std::string("&SendStatus=2"),
          std::string("&SendStatus=5&SendSuccess=0&SendFailed=1&TotalPrice=0&telcoid=1"
                      "&error_info=%7B%22error%22%3A-118%2C%22message%22%3A%22Zalo%20account"
                      "%20not%20existed%22%7D")}) {
        ASSERT_EQ(testing::http_get(daemon.port, common + report).status, 200) << report;
        // Apart in time, so that the timeline's order is also the clock's.
        std::this_thread::sleep_for(50ms);
    }
    ASSERT_EQ(
        db.scalar(std::string("SELECT state FROM delivery_state WHERE sms_id = '") + sms_id + "'"),
        "failed");

    const auto artifacts = fs::path(DELIVERYD_BUILD_DIR) / "browser-artifacts";
    fs::create_directories(artifacts);
    const auto result = testing::run_process(
        "/usr/bin/node", {(browser_dir / "message_page.test.mjs").string()}, 90s,
        {{"DELIVERYD_ADMIN_URL", "http://127.0.0.1:" + std::to_string(admin_port)},
         {"DELIVERYD_ADMIN_TOKEN", token},
         {"DELIVERYD_SMS_ID", sms_id},
         {"DELIVERYD_PHONE", "0912345678"},
         {"DELIVERYD_ARTIFACTS", artifacts.string()}});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_TRUE(fs::exists(artifacts / "message-page.png")) << result.output;

    daemon.process.send_signal(SIGTERM);
    EXPECT_EQ(daemon.process.wait_exit(20s), 0) << daemon.process.output();
}

}  // namespace
}  // namespace deliveryd
