// Provider faults (a row of docs/reliability.md): the simulator's faults one
// at a time and together (timeouts, 5xx, malformed JSON, non-100 result codes,
// truncated bodies, connection resets, 30 s slow answers): deliveryd stays up,
// never exceeds a limit, and once the faults stop every row converges to the
// truth.
#include <csignal>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "support/child_process.hpp"
#include "support/daemon.hpp"
#include "support/http_get.hpp"
#include "support/provider_sim.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr const char* no_faults =
    R"({"timeout":0,"error_5xx":0,"malformed":0,"bad_code":0,"truncated":0,"reset":0,)"
    R"("latency_ms":0,"latency_jitter_ms":0})";

TEST(ProviderFaults, DeliverydSurvivesEachFaultAndAllTogetherThenConverges) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    // No callbacks: every status must come from polling through the faults.
    testing::ProviderSim sim({"--generate", "150", "--seed", "5", "--time-scale", "60"});
    ASSERT_NE(sim.port, 0) << sim.process.output();
    const auto port = testing::free_local_port();
    testing::Daemon d(
        "database:\n  url: " + db.url() + "\nhttp:\n  listen: 127.0.0.1:" + std::to_string(port) +
        "\nesms:\n  api_base: " + sim.url() + "\n  callback_api_base: " + sim.url() +
        "\n  accounts:\n    - {name: default, api_key: sim-api-key, secret_key: sim-secret-key}\n"
        "etelecom:\n  base_url: " +
        sim.url() +
        "/v1/shop\n  api_key: sim-etelecom-key\n"
        "reconcile:\n  grace: 1s\n  backoff: [1s, 2s]\n  window: 45s\n  tick: 200ms\n"
        "  lease: 10s\n  request_timeout: 3s\n");
    ASSERT_EQ(d.port, port) << d.process.output();
    ASSERT_TRUE(d.wait_ready()) << d.process.output();
    ASSERT_EQ(testing::register_sim_messages(db.url(), sim), 150u);

    // Each fault alone on half the calls, then a 30 s slow provider, then
    // everything at once. The hang of a timeout fault outlasts
    // request_timeout, so deliveryd gives up first.
    const std::vector<std::string> phases = {
        R"({"timeout":0.5,"hang_ms":8000})",
        R"({"error_5xx":0.5})",
        R"({"malformed":0.5})",
        R"({"bad_code":0.5})",
        R"({"truncated":0.5})",
        R"({"reset":0.5})",
        R"({"latency_ms":30000})",
        R"({"timeout":0.15,"error_5xx":0.15,"malformed":0.15,"bad_code":0.15,)"
        R"("truncated":0.15,"reset":0.15,"latency_ms":200,"latency_jitter_ms":800})",
    };
    for (const auto& phase : phases) {
        ASSERT_TRUE(sim.set_faults(no_faults));
        ASSERT_TRUE(sim.set_faults(phase)) << phase;
        std::this_thread::sleep_for(2500ms);
        EXPECT_EQ(testing::http_get(port, "/healthz", 2s).status, 200)
            << "deliveryd stopped answering during " << phase << "\n"
            << d.process.output();
    }
    ASSERT_TRUE(sim.set_faults(no_faults));

    // Faults over: every row reaches the simulator's truth.
    const auto truth = sim.get("/sim/truth");
    ASSERT_TRUE(truth.is_object());
    std::map<std::string, std::string> expected;
    for (const auto& m : truth.at("messages").as_array()) {
        expected.emplace(testing::json_text(m.at("sms_id")),
                         testing::json_text(m.at("final_state")));
    }
    std::map<std::string, std::string> stored;
    const auto deadline = Clock::now() + 60s;
    while (Clock::now() < deadline) {
        stored.clear();
        pqxx::connection c(db.url());
        pqxx::read_transaction tx(c);
        for (const auto& row : tx.exec("SELECT sms_id, state FROM delivery_state")) {
            stored.emplace(row[0].as<std::string>(), row[1].as<std::string>());
        }
        if (stored == expected) {
            break;
        }
        std::this_thread::sleep_for(500ms);
    }
    std::size_t differing = 0;
    std::string report;
    for (const auto& [id, state] : expected) {
        if (stored[id] != state) {
            ++differing;
            report += id + ": stored " + stored[id] + ", truth " + state + "; " +
                      db.scalar(
                          "SELECT provider || ' type ' || coalesce(type_id::text, '-') || "
                          "' partner ' || coalesce(partner_id, '-') || ' attempts ' || "
                          "poll_attempts || ' next ' || coalesce((next_poll_at - now())::text, "
                          "'-') FROM delivery_state WHERE sms_id = '" +
                          id + "'") +
                      "\n";
        }
    }
    EXPECT_EQ(differing, 0u) << "rows not at the truth 60 s after the faults stopped:\n" << report;

    const auto stats = sim.get("/sim/stats");
    ASSERT_TRUE(stats.is_object());
    EXPECT_EQ(stats.at("violations").as_int64(), 0) << json::serialize(stats);
    const auto& faults = stats.at("faults_injected").as_object();
    for (const auto* fault :
         {"timeout", "error_5xx", "malformed", "bad_code", "truncated", "reset"}) {
        EXPECT_GT(faults.at(fault).as_int64(), 0)
            << fault << " never happened: " << json::serialize(stats);
    }

    d.process.send_signal(SIGTERM);
    EXPECT_EQ(d.process.wait_exit(20s), 0) << d.process.output();
}

}  // namespace
}  // namespace deliveryd
