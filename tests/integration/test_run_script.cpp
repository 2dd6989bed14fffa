// scripts/run.sh as a new user runs it (with this build's binaries instead of
// a release build, in a folder of the test's own): --fresh starts from an
// empty database, so that the table holds exactly the messages of the
// simulator that is running, and a run without it says what is left over.
#include <filesystem>
#include <fstream>
#include <set>
#include <signal.h>
#include <sstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "support/child_process.hpp"
#include "support/daemon.hpp"
#include "support/http_get.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;

class RunScript : public ::testing::Test {
  protected:
    void SetUp() override {
        DELIVERYD_REQUIRE_DATABASE();  // same machine requirements as the shared server
        char pattern[] = "/tmp/deliveryd-run-sh.XXXXXX";
        dir_ = ::mkdtemp(pattern);
        std::filesystem::permissions(dir_, std::filesystem::perms::all);
        pg_port_ = testing::free_local_port();
        env_ = {
            {"DELIVERYD_LOCAL_DIR", dir_},
            {"DELIVERYD_PREBUILT", std::filesystem::path(DELIVERYD_BINARY).parent_path()},
            {"DELIVERYD_PG_PORT", std::to_string(pg_port_)},
            {"DELIVERYD_SIM_PORT", std::to_string(testing::free_local_port())},
            {"DELIVERYD_LISTEN", "127.0.0.1:" + std::to_string(testing::free_local_port())},
        };
    }
    void TearDown() override {
        if (dir_.empty()) {
            return;
        }
        (void)testing::run_process(script(), {"--stop-db"}, 60s, env_);
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    static std::string script() { return std::string(DELIVERYD_SOURCE_DIR) + "/scripts/run.sh"; }

    // Runs the script until its banner is out, then stops it as Ctrl-C
    // would; returns everything it printed.
    std::string run_until_banner(const std::vector<std::string>& args) {
        testing::ChildProcess run(script(), args, env_);
        const auto banner = run.wait_for_line("Stop with Ctrl-C", 180s);
        EXPECT_TRUE(banner.has_value()) << run.output();
        run.send_signal(SIGINT);
        EXPECT_TRUE(run.wait_exit(30s).has_value()) << run.output();
        return run.output();
    }

    std::string database_url() const {
        return "postgresql://deliveryd@127.0.0.1:" + std::to_string(pg_port_) + "/deliveryd";
    }

    // The ids of the messages the last run's simulator generated.
    std::set<std::string> simulated_ids() const {
        std::ifstream in(dir_ + "/sim-messages.json");
        std::stringstream text;
        text << in.rdbuf();
        std::set<std::string> ids;
        const auto doc = boost::json::parse(text.str());
        for (const auto& m : doc.at("messages").as_array()) {
            ids.insert(std::string(m.at("sms_id").as_string()));
        }
        return ids;
    }

    std::set<std::string> stored_ids() const {
        pqxx::connection c(database_url());
        pqxx::read_transaction tx(c);
        std::set<std::string> ids;
        for (const auto& row : tx.exec("SELECT sms_id FROM delivery_state")) {
            ids.insert(row[0].as<std::string>());
        }
        return ids;
    }

    std::string dir_;
    unsigned short pg_port_ = 0;
    std::map<std::string, std::string> env_;
};

TEST_F(RunScript, FreshTwiceLeavesExactlyTheRunningSimulatorsMessages) {
    (void)run_until_banner({"--fresh"});
    const auto first = simulated_ids();
    EXPECT_EQ(first.size(), 200U);
    EXPECT_EQ(stored_ids(), first);

    const auto again = run_until_banner({"--fresh"});
    EXPECT_NE(again.find("--fresh: dropping the local database deliveryd"), std::string::npos)
        << again;
    EXPECT_EQ(again.find("rows of earlier runs"), std::string::npos) << again;
    const auto second = simulated_ids();
    EXPECT_EQ(second.size(), 200U);
    EXPECT_NE(second, first) << "each run's simulator makes messages of its own";
    EXPECT_EQ(stored_ids(), second);

    // Without --fresh the old rows stay, and the banner says so and how to
    // start clean.
    const auto kept = run_until_banner({});
    EXPECT_NE(kept.find("still holds 200 rows of earlier runs"), std::string::npos) << kept;
    EXPECT_NE(kept.find("scripts/run.sh --fresh"), std::string::npos) << kept;
    EXPECT_EQ(stored_ids().size(), 400U);
}

TEST_F(RunScript, TheBannersExampleCallbackIsATestIdItsCleanUpRemoves) {
    testing::ChildProcess run(script(), {"--fresh"}, env_);
    ASSERT_TRUE(run.wait_for_line("Stop with Ctrl-C", 180s).has_value()) << run.output();
    const auto banner = run.output();
    const auto listen = env_.at("DELIVERYD_LISTEN");
    const auto port = static_cast<unsigned short>(std::stoi(listen.substr(listen.find(':') + 1)));
    // The banner's curl line, as a user would paste it.
    const auto at = banner.find("/callback/esms?SMSID=try-by-hand-1");
    ASSERT_NE(at, std::string::npos) << banner;
    const auto target = banner.substr(at, banner.find('\'', at) - at);
    EXPECT_EQ(testing::http_get(port, target).status, 200) << target;
    EXPECT_EQ(stored_ids().count("try-by-hand-1"), 1U);

    // The banner's clean-up statement, as printed.
    const auto from = banner.find("DELETE FROM delivery_event");
    ASSERT_NE(from, std::string::npos) << banner;
    const auto cleanup = banner.substr(from, banner.find('"', from) - from);
    {
        pqxx::connection c(database_url());
        pqxx::work tx(c);
        tx.exec(cleanup);
        tx.commit();
        pqxx::read_transaction check(c);
        EXPECT_EQ(
            check.exec1("SELECT count(*) FROM delivery_event WHERE sms_id = 'try-by-hand-1'")[0]
                .as<int>(),
            0);
    }
    EXPECT_EQ(stored_ids(), simulated_ids()) << "only the simulator's messages are left";
    run.send_signal(SIGINT);
    EXPECT_TRUE(run.wait_exit(30s).has_value()) << run.output();

    EXPECT_EQ(testing::run_process(script(), {"--bogus"}, 30s, env_).exit_code, 1);
}

}  // namespace
}  // namespace deliveryd
