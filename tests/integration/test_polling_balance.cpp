// Replicas share the polling scopes out: deliveryd replicas against the
// provider simulator and a real PostgreSQL, with thirty eSMS accounts. Each
// replica ends within one scope of an even share, a replica's share is taken
// over when it is killed, and the simulator never sees two replicas ask
// about one account at once.
#include <algorithm>
#include <csignal>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

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

constexpr int account_count = 30;

std::string account_name(int i) {
    return "shop" + std::to_string(100 + i);
}

std::vector<std::string> sim_arguments() {
    std::vector<std::string> args{
        "--generate", "1500", "--seed", "8", "--time-scale", "60", "--no-etelecom-messages"};
    for (int i = 0; i < account_count; ++i) {
        args.emplace_back("--account");
        args.push_back(account_name(i) + ":key-" + account_name(i) + ":secret-" + account_name(i));
    }
    return args;
}

// eSMS only (one scope per account), first poll after 1 s, then every 1-2 s.
std::string replica_config(const std::string& database_url, unsigned short port,
                           const testing::ProviderSim& sim) {
    std::ostringstream out;
    out << "database:\n  url: " << database_url << "\n  connect_timeout: 2s\n"
        << "http:\n  listen: 127.0.0.1:" << port << "\n"
        << "esms:\n  api_base: " << sim.url() << "\n  callback_api_base: " << sim.url()
        << "\n  accounts:\n";
    for (int i = 0; i < account_count; ++i) {
        out << "    - name: " << account_name(i) << "\n      api_key: key-" << account_name(i)
            << "\n      secret_key: secret-" << account_name(i) << "\n";
    }
    // Three sanitized replicas of thirty accounts each load these two cores:
    // a wide margin keeps scheduling jitter from bunching calls into a
    // violation, which would hide what this test is about (overlaps).
    out << "reconcile:\n  grace: 1s\n  backoff: [1s, 2s]\n  window: 1h\n  tick: 200ms\n"
        << "  lease: 15s\n  request_timeout: 5s\n  rate_margin: 0.2\n";
    return out.str();
}

// The scopes the daemon on `port` holds and polls, per its /metrics.
std::set<std::string> held_scopes(unsigned short port) {
    const auto metrics = testing::http_get(port, "/metrics", 2s).body;
    const std::string prefix = "\ndeliveryd_poll_scope_held{scope=\"";
    std::set<std::string> held;
    for (auto at = metrics.find(prefix); at != std::string::npos;
         at = metrics.find(prefix, at + 1)) {
        const auto name_at = at + prefix.size();
        const auto name_end = metrics.find('"', name_at);
        const auto line_end = metrics.find('\n', name_end);
        if (metrics.substr(name_end, line_end - name_end).ends_with(" 1")) {
            held.insert(metrics.substr(name_at, name_end - name_at));
        }
    }
    return held;
}

struct Shares {
    std::vector<std::size_t> counts;  // per live replica
    std::size_t distinct = 0;         // scopes held by any
    std::size_t total = 0;            // sum of counts: above distinct when one is held twice
};

Shares shares_of(const std::vector<std::unique_ptr<testing::Daemon>>& replicas) {
    Shares shares;
    std::set<std::string> all;
    for (const auto& replica : replicas) {
        if (replica) {
            const auto held = held_scopes(replica->port);
            shares.counts.push_back(held.size());
            shares.total += held.size();
            all.insert(held.begin(), held.end());
        }
    }
    shares.distinct = all.size();
    return shares;
}

// Every scope held once, each live replica within one of an even share.
bool even(const Shares& shares) {
    if (shares.counts.empty() || shares.distinct != account_count ||
        shares.total != account_count) {
        return false;
    }
    const auto [low, high] = std::minmax_element(shares.counts.begin(), shares.counts.end());
    const auto n = shares.counts.size();
    return *high - *low <= 1 && *high <= (account_count + n - 1) / n && *low >= account_count / n;
}

std::string describe(const Shares& shares) {
    std::string text = "held per replica:";
    for (const auto count : shares.counts) {
        text += " " + std::to_string(count);
    }
    return text + "; distinct " + std::to_string(shares.distinct) + ", total " +
           std::to_string(shares.total);
}

// Waits up to `timeout` for an even share; the shares last seen.
Shares wait_even(const std::vector<std::unique_ptr<testing::Daemon>>& replicas,
                 Clock::duration timeout) {
    const auto deadline = Clock::now() + timeout;
    auto shares = shares_of(replicas);
    while (!even(shares) && Clock::now() < deadline) {
        std::this_thread::sleep_for(100ms);
        shares = shares_of(replicas);
    }
    return shares;
}

TEST(PollingReplicas, ThirtyAccountsAreSharedEvenlyAndAKilledReplicasShareIsTakenOver) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    testing::ProviderSim sim(sim_arguments());
    ASSERT_NE(sim.port, 0) << sim.process.output();

    std::vector<std::unique_ptr<testing::Daemon>> replicas;
    const auto start_replica = [&] {
        const auto port = testing::free_local_port();
        replicas.push_back(std::make_unique<testing::Daemon>(replica_config(db.url(), port, sim)));
        ASSERT_EQ(replicas.back()->port, port) << replicas.back()->process.output();
        ASSERT_TRUE(replicas.back()->wait_ready()) << replicas.back()->process.output();
    };

    // Alone, the first replica polls every account.
    start_replica();
    auto shares = wait_even(replicas, 10s);
    ASSERT_TRUE(even(shares)) << describe(shares);
    ASSERT_EQ(testing::register_sim_messages(db.url(), sim), 1500u);
    std::this_thread::sleep_for(2s);  // polling under way

    // Two more join: the first hands two thirds over.
    start_replica();
    start_replica();
    const auto joined_at = Clock::now();
    shares = wait_even(replicas, 20s);
    ASSERT_TRUE(even(shares)) << describe(shares);
    std::cout
        << "3 replicas shared 30 accounts evenly "
        << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - joined_at).count()
        << " ms after two joined: " << describe(shares) << "\n";
    std::this_thread::sleep_for(3s);
    shares = shares_of(replicas);
    EXPECT_TRUE(even(shares)) << "the shares did not stay put: " << describe(shares);

    // kill -9 of one: the other two take its share over within 10 s.
    replicas[1]->process.send_signal(SIGKILL);
    (void)replicas[1]->process.wait_exit(5s);
    replicas[1].reset();
    const auto killed_at = Clock::now();
    shares = wait_even(replicas, 10s);
    EXPECT_TRUE(even(shares)) << describe(shares);
    std::cout
        << "its share was taken over "
        << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed_at).count()
        << " ms after kill -9: " << describe(shares) << "\n";
    std::this_thread::sleep_for(2s);

    const auto stats = sim.get("/sim/stats");
    ASSERT_TRUE(stats.is_object());
    EXPECT_EQ(stats.at("overlapping_callers").as_int64(), 0)
        << "two replicas asked about one account within a second: "
        << boost::json::serialize(stats);
    EXPECT_EQ(stats.at("violations").as_int64(), 0) << boost::json::serialize(stats);
    std::set<std::string> keys_called;
    for (const auto& [name, endpoint] : stats.at("endpoints").as_object()) {
        for (const auto& [key, counts] : endpoint.at("keys").as_object()) {
            keys_called.insert(key);
        }
    }
    EXPECT_EQ(keys_called.size(), static_cast<std::size_t>(account_count))
        << "every account was polled";

    for (auto& replica : replicas) {
        if (replica) {
            replica->process.send_signal(SIGTERM);
            EXPECT_EQ(replica->process.wait_exit(20s), 0) << replica->process.output();
        }
    }
}

}  // namespace
}  // namespace deliveryd
