// SIGHUP: deliveryd reads its configuration again and polls the accounts it
// names now, without dropping a callback meanwhile and without exceeding a
// limit across the switch; a file with problems changes nothing.
#include <csignal>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/daemon.hpp"
#include "support/http_get.hpp"
#include "support/provider_sim.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string account_yaml(const std::string& name) {
    return "    - name: " + name + "\n      api_key: key-" + name + "\n      secret_key: secret-" +
           name + "\n";
}

std::string reload_config(const std::string& database_url, unsigned short port,
                          const testing::ProviderSim& sim, const std::string& accounts) {
    return "database:\n  url: " + database_url + "\n  connect_timeout: 2s\n" +
           "http:\n  listen: 127.0.0.1:" + std::to_string(port) + "\n" +
           "esms:\n  api_base: " + sim.url() + "\n  callback_api_base: " + sim.url() +
           "\n  accounts:\n" + accounts +
           "reconcile:\n  grace: 1s\n  backoff: [1s, 2s]\n  window: 1h\n  tick: 200ms\n"
           "  lease: 15s\n  request_timeout: 5s\n";
}

void rewrite(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
}

// Calls the simulator answered for the account's key, on any endpoint.
std::int64_t calls_with_key(const testing::ProviderSim& sim, const std::string& key) {
    std::int64_t calls = 0;
    const auto stats = sim.get("/sim/stats");
    for (const auto& [name, endpoint] : stats.at("endpoints").as_object()) {
        if (const auto* counts = endpoint.at("keys").as_object().if_contains(key)) {
            calls += counts->at("calls").as_int64();
        }
    }
    return calls;
}

// Sends callbacks for `how_long`; the number not answered 200.
int callbacks_not_stored(unsigned short port, const std::string& prefix, Clock::duration how_long) {
    int failed = 0;
    int sent = 0;
    for (const auto until = Clock::now() + how_long; Clock::now() < until; ++sent) {
        const auto id = prefix + std::to_string(sent);
        failed +=
            testing::http_get(port, "/callback/esms?SMSID=" + id + "&SendStatus=5&TypeId=2", 5s)
                        .status != 200
                ? 1
                : 0;
    }
    return failed;
}

TEST(ConfigReload, SighupPollsTheAccountsTheFileNamesNowAndKeepsServingCallbacks) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    testing::ProviderSim sim({"--generate", "400", "--seed", "11", "--time-scale", "60",
                              "--no-etelecom-messages", "--account",
                              "shop-a:key-shop-a:secret-shop-a", "--account",
                              "shop-b:key-shop-b:secret-shop-b"});
    ASSERT_NE(sim.port, 0) << sim.process.output();
    const auto port = testing::free_local_port();
    testing::Daemon d(reload_config(db.url(), port, sim, account_yaml("shop-a")));
    ASSERT_EQ(d.port, port) << d.process.output();
    ASSERT_TRUE(d.wait_ready()) << d.process.output();
    ASSERT_EQ(testing::register_sim_messages(db.url(), sim), 400u);

    auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline && calls_with_key(sim, "key-shop-a") == 0) {
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_GT(calls_with_key(sim, "key-shop-a"), 0) << d.process.output();
    EXPECT_EQ(calls_with_key(sim, "key-shop-b"), 0) << "shop-b is not configured yet";

    // shop-b added: polled after the SIGHUP; callbacks answered throughout.
    rewrite(d.config_path,
            reload_config(db.url(), port, sim, account_yaml("shop-a") + account_yaml("shop-b")));
    d.process.send_signal(SIGHUP);
    EXPECT_EQ(callbacks_not_stored(port, "reload-", 3s), 0) << d.process.output();
    deadline = Clock::now() + 10s;
    while (Clock::now() < deadline && calls_with_key(sim, "key-shop-b") == 0) {
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_GT(calls_with_key(sim, "key-shop-b"), 0) << d.process.output();
    EXPECT_EQ(testing::metric_value(port, "deliveryd_config_reloads_total{result=\"applied\"}"), 1);
    EXPECT_NE(d.process.output().find("configuration reloaded; polling 2 eSMS account(s)"),
              std::string::npos)
        << d.process.output();
    EXPECT_EQ(d.process.output().find("secret-shop-b"), std::string::npos) << "no secret logged";

    // A file with a problem: refused, and the running configuration stays.
    rewrite(d.config_path, reload_config(db.url(), port, sim, "    - name: shop-c\n"));
    d.process.send_signal(SIGHUP);
    deadline = Clock::now() + 5s;
    while (Clock::now() < deadline &&
           testing::metric_value(port, "deliveryd_config_reloads_total{result=\"refused\"}") != 1) {
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(testing::metric_value(port, "deliveryd_config_reloads_total{result=\"refused\"}"), 1);
    EXPECT_NE(d.process.output().find("configuration not reloaded"), std::string::npos)
        << d.process.output();
    const auto b_calls = calls_with_key(sim, "key-shop-b");
    std::this_thread::sleep_for(3s);
    EXPECT_GT(calls_with_key(sim, "key-shop-b"), b_calls) << "shop-b is still polled";
    EXPECT_TRUE(testing::eventually_status(port, "/readyz", 200, 2s));

    const auto stats = sim.get("/sim/stats");
    EXPECT_EQ(stats.at("violations").as_int64(), 0) << boost::json::serialize(stats);
    EXPECT_EQ(stats.at("overlapping_callers").as_int64(), 0) << boost::json::serialize(stats);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_state WHERE sms_id LIKE 'reload-%'"),
              db.scalar("SELECT count(*) FROM delivery_event WHERE sms_id LIKE 'reload-%'"));

    d.process.send_signal(SIGTERM);
    EXPECT_EQ(d.process.wait_exit(20s), 0) << d.process.output();
}

}  // namespace
}  // namespace deliveryd
