// deliveryd and the provider simulator together, end to end over real HTTP:
// the simulator plays eSMS calling deliveryd's callback URL for a generated
// set of messages; every callback it delivered must be in the tables, and
// every row must agree with the simulator's truth as far as callbacks tell.
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/daemon.hpp"
#include "support/provider_sim.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

TEST(ProviderSimEndToEnd, EveryDeliveredCallbackIsStoredAndAgreesWithTheTruth) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    testing::Daemon d(testing::daemon_config(db.url()));
    ASSERT_NE(d.port, 0) << d.process.output();

    // A minute of simulated time per real millisecond: the whole timeline of
    // the generated messages plays out in seconds.
    testing::ProviderSim sim(
        {"--callback-url", "http://127.0.0.1:" + std::to_string(d.port) + "/callback/esms",
         "--generate", "80", "--seed", "11", "--time-scale", "60000", "--drop-callbacks", "0"});
    ASSERT_NE(sim.port, 0) << sim.process.output();

    // Register the messages as a sender would (racing the first callbacks).
    testing::register_sim_messages(db.url(), sim);

    // Wait until every callback of the timeline has been delivered.
    json::object callbacks;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
        callbacks = sim.get("/sim/stats").at("callbacks").as_object();
        if (callbacks.at("pending").as_int64() == 0 && callbacks.at("queued").as_int64() == 0 &&
            callbacks.at("in_flight").as_int64() == 0) {
            break;
        }
        std::this_thread::sleep_for(200ms);
    }
    ASSERT_EQ(callbacks.at("pending").as_int64(), 0) << json::serialize(callbacks);
    EXPECT_EQ(callbacks.at("failed").as_int64(), 0) << json::serialize(callbacks);
    EXPECT_EQ(callbacks.at("dropped").as_int64(), 0);
    const auto sent = callbacks.at("sent").as_int64();
    EXPECT_GT(sent, 40) << "the generated set should produce callbacks";
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_event WHERE source = 'callback'"),
              std::to_string(sent));

    // Each row against the truth. Callbacks alone cannot tell that a ZNS sent
    // by phone reached the handset (only polling can), so "delivered" in the
    // truth may be "sent" here; everything else must match exactly.
    int compared = 0;
    const auto truth_json = sim.get("/sim/truth");
    for (const auto& m : truth_json.at("messages").as_array()) {
        const auto& o = m.as_object();
        const auto id = testing::json_text(o.at("sms_id"));
        const auto truth = testing::json_text(o.at("state"));
        const auto stored =
            db.scalar("SELECT state FROM delivery_state WHERE sms_id = '" + id + "'");
        if (testing::json_text(o.at("provider")) == "etelecom" || !o.at("callback").as_bool()) {
            EXPECT_EQ(stored, "submitted") << id << " gets no callbacks";
            continue;
        }
        if (truth == "delivered" && stored == "sent") {
            ++compared;
            continue;
        }
        EXPECT_EQ(stored, truth) << id;
        if (truth == "failed" && o.at("error_code").is_int64()) {
            EXPECT_EQ(
                db.scalar("SELECT error_code FROM delivery_state WHERE sms_id = '" + id + "'"),
                std::to_string(o.at("error_code").as_int64()))
                << id;
        }
        ++compared;
    }
    EXPECT_GT(compared, 30);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_state"), "80");
}

}  // namespace
}  // namespace deliveryd
