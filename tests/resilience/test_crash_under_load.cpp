// deliveryd killed with SIGKILL at random moments under callback load and
// restarted on the same port while tools/loadgen keeps going: every callback
// answered 200 must be in delivery_state and delivery_event afterwards.
// Fast variant (CI): 5 kills. DELIVERYD_RESILIENCE_LONG=1: kills for at least
// 75 s. Prints one summary line (RESILIENCE crash-under-load ...).
#include <algorithm>
#include <memory>
#include <random>
#include <signal.h>
#include <thread>

#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "resilience_support.hpp"
#include "support/daemon.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(CrashUnderLoad, EveryAcknowledgedCallbackSurvivesKillNine) {
    DELIVERYD_REQUIRE_DATABASE();
    const bool long_run = testing::long_variant();
    const int min_kills = 5;
    const int max_kills = long_run ? 60 : 5;
    const auto min_span = long_run ? 75s : 0s;

    testing::ScratchDatabase db;
    const auto port = testing::non_ephemeral_port();
    const auto config = testing::resilience_config(db.url(), port);
    auto daemon = std::make_unique<testing::Daemon>(config);
    ASSERT_EQ(daemon->port, port) << daemon->process.output();

    const auto seed = std::random_device{}();
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> kill_after_ms(500, 3000);
    SCOPED_TRACE(fmt::format("random seed {}", seed));

    // The hard limit only bounds a test that goes wrong; finish() stops it.
    testing::Loadgen load(port, testing::load_connections, long_run ? 240s : 120s);
    const auto began = Clock::now();
    int kills = 0;
    std::vector<double> restart_ms;
    while (kills < min_kills || (Clock::now() - began < min_span && kills < max_kills)) {
        const auto acked_before = load.record_bytes();
        std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(random)));
        // Load was being acknowledged by this incarnation when it dies.
        ASSERT_GT(load.record_bytes(), acked_before)
            << "nothing acknowledged before kill " << kills + 1 << "\n"
            << daemon->process.output() << load.output();
        daemon->process.send_signal(SIGKILL);
        ASSERT_TRUE(daemon->process.wait_exit(10s).has_value());
        ++kills;
        const auto restarting = Clock::now();
        daemon = std::make_unique<testing::Daemon>(config);
        ASSERT_EQ(daemon->port, port) << "restart " << kills << ":\n" << daemon->process.output();
        restart_ms.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - restarting).count());
    }
    // The last incarnation serves too.
    const auto acked_before = load.record_bytes();
    std::this_thread::sleep_for(1500ms);
    EXPECT_GT(load.record_bytes(), acked_before) << daemon->process.output();

    const auto summary = load.finish();
    ASSERT_FALSE(summary.empty()) << load.output();
    daemon->process.send_signal(SIGTERM);
    EXPECT_EQ(daemon->process.wait_exit(10s), 0) << daemon->process.output();

    const auto acks = testing::read_record(load.record_path());
    const auto stored = testing::check_stored(db.url(), acks);
    EXPECT_GT(stored.acknowledged, 0u);
    EXPECT_EQ(stored.distinct, stored.acknowledged) << "an SMSID was acknowledged twice";
    EXPECT_EQ(stored.missing_state, 0u) << "e.g. " << fmt::format("{}", stored.examples);
    EXPECT_EQ(stored.missing_event, 0u) << "e.g. " << fmt::format("{}", stored.examples);
    EXPECT_EQ(testing::number(summary, "other"), 0u) << boost::json::serialize(summary);
    EXPECT_EQ(testing::number(summary, "record_errors"), 0u);

    const double seconds = summary.at("elapsed_s").to_number<double>();
    double restart_max = 0;
    double restart_sum = 0;
    for (const auto ms : restart_ms) {
        restart_max = std::max(restart_max, ms);
        restart_sum += ms;
    }
    testing::report_summary(fmt::format(
        "crash-under-load variant={} connections={} seconds={:.1f} kills={} "
        "acknowledged={} lost={} (not in delivery_state {}, not in delivery_event {}) "
        "acknowledged_per_s={:.0f} answers_per_s={:.0f} 503s={} other={} "
        "connection_errors={} timeouts={} restart_ms_mean={:.0f} restart_ms_max={:.0f} seed={}",
        long_run ? "long" : "fast", testing::load_connections, seconds, kills, stored.acknowledged,
        std::max(stored.missing_state, stored.missing_event), stored.missing_state,
        stored.missing_event, summary.at("ok_per_s").to_number<double>(),
        summary.at("answers_per_s").to_number<double>(), testing::number(summary, "unavailable"),
        testing::number(summary, "other"),
        testing::number(summary, "connect_errors") + testing::number(summary, "io_errors"),
        testing::number(summary, "timeouts"),
        restart_ms.empty() ? 0.0 : restart_sum / static_cast<double>(restart_ms.size()),
        restart_max, seed));
}

}  // namespace
}  // namespace deliveryd
