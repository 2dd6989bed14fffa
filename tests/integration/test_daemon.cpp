// The real `deliveryd` binary over real HTTP: command line, health, readiness
// across a database restart, metrics, logs, and shutdown.
#include <filesystem>
#include <fstream>
#include <signal.h>
#include <stdlib.h>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "deliveryd/store/migrations.hpp"

#include "support/child_process.hpp"
#include "support/daemon.hpp"
#include "support/http_get.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::Daemon;
using testing::eventually_status;
using testing::http_get;
using testing::PrivateCluster;

std::string temp_file(const std::string& text) {
    return testing::write_temp_file(text, ".yaml");
}

std::string config_for(const std::string& url, const std::string& extra = "") {
    return testing::daemon_config(url, extra);
}

TEST(Cli, HelpAndVersionExitZero) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--help"}, {"--version"}, {"run", "--help"}, {"migrate", "--help"}}) {
        const auto done = testing::run_process(DELIVERYD_BINARY, args);
        EXPECT_EQ(done.exit_code, 0) << done.output;
        EXPECT_FALSE(done.output.empty());
    }
}

TEST(Cli, BadUsageExitsTwo) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {}, {"fly"}, {"run"}, {"run", "--config"}, {"run", "--config", "a", "--extra"}}) {
        EXPECT_EQ(testing::run_process(DELIVERYD_BINARY, args).exit_code, 2);
    }
}

TEST(Cli, BadConfigExitsTwoNamingTheKey) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"http:\n  listen: 127.0.0.1:0\n", "database"},
        {"database:\n  url: x\nhttp:\n  lisen: 1\n", "http.lisen: unknown key"},
        {"database:\n  url: x\nreconcile:\n  tick: soon\n", "reconcile.tick: bad duration"},
        {"database:\n  url: ${DELIVERYD_TEST_SURELY_UNSET}\n",
         "DELIVERYD_TEST_SURELY_UNSET is not set"},
        {"database:\n  url: x\nesms:\n  accounts:\n    - {name: a, api_key: k, secret_key: s, "
         "zalo_status_tps: -1}\n",
         "esms.accounts[0].zalo_status_tps: must be >= 0"},
        {"database:\n  url: x\nhttp:\n  max_connections: [1]\n", "http.max_connections"},
        {"database:\n  url: \"host='unterminated\"\n", "database.url: libpq cannot parse it"},
    };
    for (const auto& [yaml, expected] : cases) {
        for (const auto* command : {"run", "migrate", "check-config"}) {
            const auto done =
                testing::run_process(DELIVERYD_BINARY, {command, "--config", temp_file(yaml)});
            EXPECT_EQ(done.exit_code, 2) << command << "\n" << yaml << done.output;
            EXPECT_NE(done.output.find(expected), std::string::npos)
                << command << ": expected '" << expected << "' in:\n"
                << done.output;
        }
    }
    const auto missing =
        testing::run_process(DELIVERYD_BINARY, {"run", "--config", "/nonexistent/deliveryd.yaml"});
    EXPECT_EQ(missing.exit_code, 2);
}

TEST(Cli, CheckConfigPrintsNoSecrets) {
    const auto done = testing::run_process(
        DELIVERYD_BINARY,
        {"check-config", "--config",
         temp_file("database:\n  url: postgresql://u:pw-SECRET@127.0.0.1/db\n"
                   "http:\n  callback_token: ${TOKEN}\n"
                   "esms:\n  accounts:\n    - {name: a, api_key: key-SECRET, secret_key: "
                   "sk-SECRET}\netelecom:\n  api_key: et-SECRET\n")},
        60s, {{"TOKEN", "tok-SECRET"}});
    EXPECT_EQ(done.exit_code, 0) << done.output;
    EXPECT_EQ(done.output.find("SECRET"), std::string::npos) << done.output;
    EXPECT_NE(done.output.find("<redacted>"), std::string::npos);
}

TEST(Daemon, APortInUseIsSaidInWordsWithWhatToDo) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor taken(
        ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});  // listening, never accepting
    const auto port = taken.local_endpoint().port();
    const auto done = testing::run_process(
        DELIVERYD_BINARY,
        {"run", "--config",
         temp_file("database:\n  url: " + db.url() +
                   "\nhttp:\n  listen: 127.0.0.1:" + std::to_string(port) + "\n")},
        30s);
    EXPECT_EQ(done.exit_code, 1) << done.output;
    EXPECT_NE(done.output.find("cannot listen on 127.0.0.1:" + std::to_string(port) +
                               " (http.listen): Address already in use; another process has "
                               "this port"),
              std::string::npos)
        << done.output;
    EXPECT_EQ(done.output.find(".hpp"), std::string::npos) << "no library source location";
}

TEST(Daemon, ServesHealthReadinessAndMetrics) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    Daemon d(config_for(db.url()));
    ASSERT_NE(d.port, 0) << d.process.output();

    const auto health = http_get(d.port, "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.body, "ok\n");
    EXPECT_TRUE(eventually_status(d.port, "/readyz", 200, 5s));
    EXPECT_EQ(http_get(d.port, "/nowhere").status, 404);

    const auto metrics = http_get(d.port, "/metrics");
    EXPECT_EQ(metrics.status, 200);
    for (const auto* name :
         {"deliveryd_build_info", "deliveryd_http_requests_total",
          "deliveryd_http_open_connections", "deliveryd_process_resident_memory_bytes"}) {
        EXPECT_NE(metrics.body.find(name), std::string::npos) << name << "\n" << metrics.body;
    }
    // Every metric deliveryd exports carries its prefix.
    std::istringstream lines(metrics.body);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line[0] != '#') {
            EXPECT_EQ(line.rfind("deliveryd_", 0), 0u) << line;
        }
    }
}

TEST(Daemon, LogsItsProgressEveryMinuteAtInfoLevel) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    Daemon d(config_for(db.url()) + "log:\n  level: info\n");
    ASSERT_NE(d.port, 0) << d.process.output();
    ASSERT_TRUE(eventually_status(d.port, "/readyz", 200, 10s));
    EXPECT_EQ(http_get(d.port, "/callback/esms?SMSID=progress-1&SendStatus=5&TypeId=2").status,
              200);
    EXPECT_EQ(http_get(d.port, "/callback/esms").status, 400);
    const auto deadline = std::chrono::steady_clock::now() + 75s;
    while (d.process.output().find("progress, last 60s") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(500ms);
    }
    const auto log = d.process.output();
    EXPECT_NE(log.find("progress, last 60s: callbacks 1 stored, 1 refused;"), std::string::npos)
        << log;
    EXPECT_NE(log.find("entered sent 1"), std::string::npos) << log;
}

TEST(Daemon, PublishesTheGracePeriodForSenderInserts) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    Daemon d(config_for(db.url(), "reconcile:\n  grace: 45s\n"));
    ASSERT_NE(d.port, 0) << d.process.output();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (db.scalar("SELECT value FROM deliveryd_settings WHERE name = 'reconcile.grace'") !=
               "45000 milliseconds" &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(100ms);
    }
    db.execute("INSERT INTO delivery_state (sms_id) VALUES ('s1')");
    EXPECT_EQ(db.scalar("SELECT next_poll_at - submitted_at FROM delivery_state"), "00:00:45");
}

TEST(Daemon, NotReadyUntilMigrated) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db(/*migrated=*/false);
    Daemon d(config_for(db.url()));
    ASSERT_NE(d.port, 0) << d.process.output();
    EXPECT_EQ(http_get(d.port, "/healthz").status, 200);
    const auto ready = http_get(d.port, "/readyz");
    EXPECT_EQ(ready.status, 503);
    EXPECT_NE(ready.body.find("migrate"), std::string::npos);
    (void)store::migrate(db.url());
    EXPECT_TRUE(eventually_status(d.port, "/readyz", 200, 10s))
        << "ready once migrated and the settings are written (retried every 5 s)";
}

TEST(Daemon, SigtermExitsZeroWithinFiveSecondsEvenWithIdleConnections) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    Daemon d(config_for(db.url()));
    ASSERT_NE(d.port, 0) << d.process.output();
    // Keep-alive connections that sit idle must not hold the shutdown up.
    boost::asio::io_context ioc;
    std::vector<boost::asio::ip::tcp::socket> idle;
    for (int i = 0; i < 3; ++i) {
        idle.emplace_back(ioc).connect({boost::asio::ip::make_address("127.0.0.1"), d.port});
    }
    std::this_thread::sleep_for(200ms);
    const auto start = std::chrono::steady_clock::now();
    d.process.send_signal(SIGTERM);
    EXPECT_EQ(d.process.wait_exit(5s), 0) << d.process.output();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_NE(d.process.output().find("stopped"), std::string::npos);
}

TEST(Daemon, SigintAlsoStopsCleanly) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    Daemon d(config_for(db.url()));
    ASSERT_NE(d.port, 0) << d.process.output();
#if defined(__SANITIZE_THREAD__)
    // Under ThreadSanitizer, whose runtime defers a signal that comes while a
    // thread runs instrumented code, a SIGINT sent the moment deliveryd
    // listens went unanswered in about one start in twenty: the io thread
    // waited in epoll_wait with nothing pending, as it did when a trial
    // blocked the signal in every other thread. None was lost in the ASan
    // build, nor under TSan once deliveryd was ready; so under TSan the
    // signal comes then.
    ASSERT_TRUE(eventually_status(d.port, "/readyz", 200, 10s)) << d.process.output();
#endif
    d.process.send_signal(SIGINT);
    EXPECT_EQ(d.process.wait_exit(5s), 0) << d.process.output();
}

TEST(Daemon, JsonLogsAreOneObjectPerLineAndHoldNoSecrets) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    Daemon d(config_for(db.url(),
                        "  callback_token: tok-SECRET\nlog:\n  format: json\n  level: debug\n"
                        "esms:\n  accounts:\n    - {name: default, api_key: key-SECRET, "
                        "secret_key: sk-SECRET}\n"));
    ASSERT_NE(d.port, 0) << d.process.output();
    (void)http_get(d.port, "/readyz");
    (void)http_get(d.port, "/metrics");
    d.process.send_signal(SIGTERM);
    ASSERT_EQ(d.process.wait_exit(5s), 0);
    const auto output = d.process.output();
    EXPECT_EQ(output.find("SECRET"), std::string::npos) << output;
    std::istringstream lines(output);
    int parsed = 0;
    for (std::string line; std::getline(lines, line);) {
        boost::system::error_code ec;
        const auto value = boost::json::parse(line, ec);
        ASSERT_FALSE(ec) << line;
        ASSERT_TRUE(value.is_object()) << line;
        EXPECT_TRUE(value.as_object().contains("ts"));
        EXPECT_TRUE(value.as_object().contains("level"));
        EXPECT_TRUE(value.as_object().contains("msg"));
        ++parsed;
    }
    EXPECT_GT(parsed, 2);
}

TEST(Daemon, ReadinessFollowsTheDatabaseWithoutARestart) {
    DELIVERYD_REQUIRE_DATABASE();  // same machine requirements as the shared server
    PrivateCluster cluster;
    (void)store::migrate(cluster.url());
    Daemon d(config_for(cluster.url()));
    ASSERT_NE(d.port, 0) << d.process.output();
    EXPECT_TRUE(eventually_status(d.port, "/readyz", 200, 10s));

    ASSERT_TRUE(cluster.stop());
    EXPECT_TRUE(eventually_status(d.port, "/readyz", 503, 10s));
    EXPECT_EQ(http_get(d.port, "/healthz").status, 200);  // alive, just not ready

    ASSERT_TRUE(cluster.start());
    EXPECT_TRUE(eventually_status(d.port, "/readyz", 200, 10s)) << d.process.output();
    d.process.send_signal(SIGTERM);
    EXPECT_EQ(d.process.wait_exit(5s), 0) << d.process.output();
}

}  // namespace
}  // namespace deliveryd
