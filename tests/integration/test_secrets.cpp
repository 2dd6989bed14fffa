// Secrets kept out of logs and metrics (a row of docs/reliability.md): after a
// run that uses every secret (eSMS keys, the eTelecom key, the callback token,
// a database password), refuses some of them, and logs at debug level, no log
// line, no metric and no printed configuration contains any of them.
#include <csignal>
#include <thread>

#include <gtest/gtest.h>

#include "support/child_process.hpp"
#include "support/daemon.hpp"
#include "support/http_get.hpp"
#include "support/provider_sim.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;

// Distinctive, so that a match can only be a leak.
constexpr const char* api_key = "AK-leakcheck-5e1f0c";
constexpr const char* secret_key = "SK-leakcheck-93d7aa";
constexpr const char* wrong_api_key = "AK-leakcheck-wrong-0b2c";
constexpr const char* wrong_secret_key = "SK-leakcheck-wrong-77e1";
constexpr const char* etelecom_key = "ET-leakcheck-4c88f2";
constexpr const char* callback_token = "TK-leakcheck-d41d8c";
constexpr const char* db_password = "PW-leakcheck-a9f3e0";

std::vector<std::string> secrets() {
    return {api_key,      secret_key,     wrong_api_key, wrong_secret_key,
            etelecom_key, callback_token, db_password};
}

void expect_no_secret(const std::string& where, const std::string& text) {
    for (const auto& secret : secrets()) {
        EXPECT_EQ(text.find(secret), std::string::npos) << where << " contains " << secret;
    }
}

TEST(Secrets, NoLogLineMetricOrPrintedConfigHoldsASecret) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    testing::ProviderSim sim({"--generate", "40", "--seed", "11", "--time-scale", "60", "--account",
                              std::string("default:") + api_key + ":" + secret_key,
                              "--etelecom-key", etelecom_key});
    ASSERT_NE(sim.port, 0) << sim.process.output();

    // The password travels in the URL; the test server trusts local
    // connections, so it is never checked, only carried.
    auto url = db.url();
    url.insert(url.find('@'), std::string(":") + db_password);
    const auto port = testing::free_local_port();
    const auto config =
        "database:\n  url: " + url + "\nhttp:\n  listen: 127.0.0.1:" + std::to_string(port) +
        "\n  callback_token: " + callback_token + "\nesms:\n  api_base: " + sim.url() +
        "\n  callback_api_base: " + sim.url() +
        "\n  accounts:\n"
        "    - {name: default, api_key: " +
        api_key + ", secret_key: " + secret_key +
        "}\n"
        "    - {name: refused, api_key: " +
        wrong_api_key + ", secret_key: " + wrong_secret_key +
        "}\n"
        "etelecom:\n  base_url: " +
        sim.url() + "/v1/shop\n  api_key: " + etelecom_key +
        "\nreconcile:\n  grace: 1s\n  backoff: [1s, 2s]\n  window: 1m\n  tick: 200ms\n"
        "  lease: 15s\n  request_timeout: 5s\nlog:\n  level: debug\n";

    const auto checked = testing::run_process(
        DELIVERYD_BINARY, {"check-config", "--config", testing::write_temp_file(config, ".yaml")});
    EXPECT_EQ(checked.exit_code, 0) << checked.output;
    expect_no_secret("check-config output", checked.output);

    testing::Daemon d(config);
    ASSERT_EQ(d.port, port) << d.process.output();
    ASSERT_TRUE(d.wait_ready()) << d.process.output();
    ASSERT_EQ(testing::register_sim_messages(db.url(), sim), 40u);
    // Messages of the account whose keys the provider refuses: a credentials
    // error, logged.
    db.execute(
        "INSERT INTO delivery_state (sms_id, type_id, account, next_poll_at) VALUES "
        "('refused-1', 2, 'refused', now()), ('refused-2', 25, 'refused', now())");

    // Callbacks with the right token, a wrong one, none, and the token in
    // the wrong place.
    const auto base = std::string("/callback/esms");
    EXPECT_EQ(
        testing::http_get(port, base + "/" + callback_token + "?SMSID=cb-1&SendStatus=5").status,
        200);
    EXPECT_NE(
        testing::http_get(port, base + "/" + callback_token + "x?SMSID=cb-2&SendStatus=5").status,
        200);
    EXPECT_NE(testing::http_get(port, base + "?SMSID=cb-3&SendStatus=5").status, 200);
    EXPECT_NE(testing::http_get(
                  port, base + "/" + callback_token + "?SMSID=bad%ZZ&SendStatus=" + callback_token)
                  .status,
              200);

    // Polling ran for every account, including the refused one.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    std::string metrics;
    while (std::chrono::steady_clock::now() < deadline) {
        metrics = testing::http_get(port, "/metrics").body;
        if (metrics.find("outcome=\"credentials\"") != std::string::npos &&
            metrics.find("endpoint=\"etelecom_get_message\"") != std::string::npos) {
            break;
        }
        std::this_thread::sleep_for(250ms);
    }
    EXPECT_NE(metrics.find("outcome=\"credentials\""), std::string::npos) << metrics;
    expect_no_secret("/metrics", metrics);
    expect_no_secret("/readyz", testing::http_get(port, "/readyz").body);

    d.process.send_signal(SIGTERM);
    EXPECT_EQ(d.process.wait_exit(20s), 0);
    const auto log = d.process.output();
    EXPECT_NE(log.find("credentials"), std::string::npos) << "the refusal is logged";
    expect_no_secret("deliveryd's log", log);

    // The operator's commands, which print database facts.
    const auto status = testing::run_process(
        DELIVERYD_BINARY, {"status", "--config", testing::write_temp_file(config, ".yaml")});
    EXPECT_EQ(status.exit_code, 0) << status.output;
    expect_no_secret("deliveryd status", status.output);
}

TEST(Secrets, AnUnreachableDatabaseIsReportedWithoutItsPassword) {
    const auto port = testing::free_local_port();
    const auto config =
        "database:\n  url: postgresql://deliveryd:" + std::string(db_password) +
        "@127.0.0.1:" + std::to_string(testing::free_local_port()) +
        "/deliveryd\n  connect_timeout: 1s\nhttp:\n  listen: 127.0.0.1:" + std::to_string(port) +
        "\n";
    const auto path = testing::write_temp_file(config, ".yaml");
    for (const auto* command : {"migrate", "status", "rebuild"}) {
        const auto result = testing::run_process(DELIVERYD_BINARY, {command, "--config", path});
        EXPECT_EQ(result.exit_code, 1) << command << ": " << result.output;
        expect_no_secret(std::string("deliveryd ") + command, result.output);
        // Never connected, so nothing was "lost": the message says what happened.
        EXPECT_EQ(result.output.find("connection lost"), std::string::npos) << result.output;
    }
}

}  // namespace
}  // namespace deliveryd
