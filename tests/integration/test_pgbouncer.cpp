// deliveryd through Debian's pgbouncer in session mode: callbacks commit,
// polling takes its scope locks, and the replica counts itself once (libpq
// reports the pooler's process id, not the server's).
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/child_process.hpp"
#include "support/daemon.hpp"
#include "support/http_get.hpp"
#include "support/provider_sim.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* pgbouncer_binary = "/usr/sbin/pgbouncer";

// pgbouncer in front of the test cluster, every database passed through.
// It refuses to run as root, hence -u postgres (its files are made readable).
struct Pgbouncer {
    explicit Pgbouncer(const std::string& pool_mode)
        : port(testing::free_local_port()),
          dir(std::filesystem::path(testing::write_temp_file("", ".d")).string() + "-pgbouncer") {
        std::filesystem::create_directories(dir);
        std::ofstream(dir + "/users.txt") << "\"postgres\" \"\"\n";
        std::ofstream(dir + "/pgbouncer.ini")
            << "[databases]\n* = host=127.0.0.1 port=" << std::getenv("DELIVERYD_TEST_PG_PORT")
            << "\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = " << port
            << "\nunix_socket_dir =\nauth_type = trust\nauth_file = " << dir
            << "/users.txt\npool_mode = " << pool_mode
            << "\nmax_client_conn = 200\ndefault_pool_size = 20\n"
               "ignore_startup_parameters = extra_float_digits,options\n";
        std::filesystem::permissions(dir, std::filesystem::perms::all);
        process = std::make_unique<testing::ChildProcess>(
            pgbouncer_binary, std::vector<std::string>{"-u", "postgres", dir + "/pgbouncer.ini"});
        ready = process->wait_for_line("process up", 10s).has_value();
    }
    ~Pgbouncer() { std::filesystem::remove_all(dir); }

    unsigned short port;
    std::string dir;
    std::unique_ptr<testing::ChildProcess> process;
    bool ready = false;
};

TEST(Pgbouncer, InSessionModeCallbacksCommitAndPollingHoldsItsScopes) {
    DELIVERYD_REQUIRE_DATABASE();
    if (!std::filesystem::exists(pgbouncer_binary) || !std::getenv("DELIVERYD_TEST_PG_PORT")) {
        GTEST_SKIP() << "pgbouncer is not installed (scripts/test.sh installs it)";
    }
    testing::ScratchDatabase db;
    Pgbouncer bouncer("session");
    ASSERT_TRUE(bouncer.ready) << bouncer.process->output();
    testing::ProviderSim sim(
        {"--generate", "200", "--seed", "4", "--time-scale", "60", "--no-etelecom-messages"});
    ASSERT_NE(sim.port, 0) << sim.process.output();

    const auto port = testing::free_local_port();
    const auto through_bouncer =
        "postgresql://postgres@127.0.0.1:" + std::to_string(bouncer.port) + "/" + db.name();
    testing::Daemon d(
        "database:\n  url: " + through_bouncer +
        "\n  connect_timeout: 2s\nhttp:\n  listen: 127.0.0.1:" + std::to_string(port) +
        "\nesms:\n  api_base: " + sim.url() + "\n  callback_api_base: " + sim.url() +
        "\n  accounts:\n    - name: default\n      api_key: sim-api-key\n"
        "      secret_key: sim-secret-key\n"
        "reconcile:\n  grace: 1s\n  backoff: [1s, 2s]\n  window: 1h\n  tick: 200ms\n"
        "  lease: 15s\n  request_timeout: 5s\n");
    ASSERT_EQ(d.port, port) << d.process.output();
    ASSERT_TRUE(d.wait_ready()) << d.process.output();

    for (int i = 0; i < 50; ++i) {
        ASSERT_EQ(testing::http_get(port, "/callback/esms?SMSID=bouncer-" + std::to_string(i) +
                                              "&SendStatus=5&TypeId=2")
                      .status,
                  200);
    }
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_state WHERE sms_id LIKE 'bouncer-%'"), "50");

    ASSERT_EQ(testing::register_sim_messages(db.url(), sim), 200u);
    const auto polled = [&db] {
        return std::stoi(
            db.scalar("SELECT count(*) FROM delivery_state WHERE resolved_by = 'poll'"));
    };
    const auto deadline = Clock::now() + 20s;
    while (Clock::now() < deadline && polled() < 100) {
        std::this_thread::sleep_for(250ms);
    }
    EXPECT_GE(polled(), 100) << d.process.output();
    EXPECT_EQ(testing::metric_value(port, "deliveryd_poll_scope_held{scope=\"esms/default\"}"), 1);
    EXPECT_EQ(testing::metric_value(port, "deliveryd_poll_replicas"), 1) << "counted itself once";
    EXPECT_GT(
        db.scalar("SELECT count(*) FROM delivery_state WHERE is_final AND resolved_by = 'poll'"),
        "0");
    const auto stats = sim.get("/sim/stats");
    EXPECT_EQ(stats.at("violations").as_int64(), 0) << boost::json::serialize(stats);

    d.process.send_signal(SIGTERM);
    EXPECT_EQ(d.process.wait_exit(20s), 0) << d.process.output();
}

}  // namespace
}  // namespace deliveryd
