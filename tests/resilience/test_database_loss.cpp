// deliveryd's PostgreSQL (a cluster of the test's own) stopped under callback
// load and started again: nothing is acknowledged while it is down, deliveryd
// answers 503 meanwhile, answers 200 again within 5 s of the database being
// back without a restart, and every callback answered 200 is stored.
// Fast variant (CI): a 5 s outage. DELIVERYD_RESILIENCE_LONG=1: 10 s.
// Prints one summary line (RESILIENCE database-loss ...).
#include <algorithm>
#include <optional>
#include <signal.h>
#include <thread>

#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "deliveryd/store/migrations.hpp"

#include "resilience_support.hpp"
#include "support/daemon.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;

// The cumulative 503 count of the last progress line at or before `unix_us`.
std::uint64_t unavailable_at(const std::vector<boost::json::object>& progress,
                             std::int64_t unix_us) {
    std::uint64_t count = 0;
    for (const auto& line : progress) {
        if (static_cast<std::int64_t>(testing::number(line, "unix_ms")) * 1000 > unix_us) {
            break;
        }
        count = testing::number(line, "unavailable");
    }
    return count;
}

TEST(DatabaseLoss, NothingAcknowledgedWhileDownAndBackWithoutRestart) {
    DELIVERYD_REQUIRE_DATABASE();  // same machine requirements as the shared server
    const bool long_run = testing::long_variant();
    const auto outage = long_run ? 10s : 5s;
    const auto before = 3s;
    const auto after = 8s;

    testing::PrivateCluster cluster;
    (void)store::migrate(cluster.url());
    const auto port = testing::non_ephemeral_port();
    testing::Daemon daemon(testing::resilience_config(cluster.url(), port));
    ASSERT_EQ(daemon.port, port) << daemon.process.output();
    ASSERT_TRUE(testing::eventually_status(port, "/readyz", 200, 10s));

    const auto load_began = testing::unix_us();
    testing::Loadgen load(port, testing::load_connections, 120s, /*progress_ms=*/100);
    std::this_thread::sleep_for(before);
    ASSERT_GT(load.record_bytes(), 0u) << daemon.process.output() << load.output();

    const auto stop_began = testing::unix_us();
    ASSERT_TRUE(cluster.stop());
    const auto down = testing::unix_us();  // pg_ctl stop -w returned: no server left
    std::this_thread::sleep_for(outage);
    const auto start_began = testing::unix_us();
    ASSERT_TRUE(cluster.start());
    const auto up = testing::unix_us();  // pg_ctl start -w returned: accepting connections
    std::this_thread::sleep_for(after);

    // Same process all along: it never exited.
    EXPECT_FALSE(daemon.process.wait_exit(0ms).has_value()) << daemon.process.output();
    const auto summary = load.finish();
    ASSERT_FALSE(summary.empty()) << load.output();
    const auto progress = load.progress();
    daemon.process.send_signal(SIGTERM);
    EXPECT_EQ(daemon.process.wait_exit(10s), 0) << daemon.process.output();

    const auto acks = testing::read_record(load.record_path());
    std::size_t acked_before_stop = 0;
    std::size_t answered_while_down = 0;  // 200s that arrived while no server ran
    std::size_t sent_and_answered_while_down = 0;
    std::optional<std::int64_t> first_after_start;
    for (const auto& ack : acks) {
        if (ack.answered_us < stop_began) {
            ++acked_before_stop;
        }
        if (ack.answered_us >= down && ack.answered_us <= start_began) {
            ++answered_while_down;
            if (ack.sent_us >= down) {
                ++sent_and_answered_while_down;
            }
        }
        if (ack.answered_us > start_began &&
            (!first_after_start || ack.answered_us < *first_after_start)) {
            first_after_start = ack.answered_us;
        }
    }
    const auto unavailable_while_down =
        unavailable_at(progress, start_began) - unavailable_at(progress, down);
    const auto stored = testing::check_stored(cluster.url(), acks);

    EXPECT_EQ(sent_and_answered_while_down, 0u);
    EXPECT_EQ(answered_while_down, 0u);
    EXPECT_GT(unavailable_while_down, 0u) << "deliveryd did not answer 503 while the database "
                                             "was down\n"
                                          << boost::json::serialize(summary);
    ASSERT_TRUE(first_after_start.has_value()) << "no 200 after the database came back\n"
                                               << daemon.process.output().substr(0, 20000);
    const double recovery_s = static_cast<double>(*first_after_start - up) / 1e6;
    EXPECT_LE(recovery_s, 5.0) << "first 200 " << recovery_s << " s after PostgreSQL was up";
    EXPECT_EQ(stored.distinct, stored.acknowledged) << "an SMSID was acknowledged twice";
    EXPECT_EQ(stored.missing_state, 0u) << "e.g. " << fmt::format("{}", stored.examples);
    EXPECT_EQ(stored.missing_event, 0u) << "e.g. " << fmt::format("{}", stored.examples);
    EXPECT_EQ(testing::number(summary, "other"), 0u) << boost::json::serialize(summary);
    EXPECT_EQ(testing::number(summary, "timeouts"), 0u) << boost::json::serialize(summary);
    EXPECT_EQ(testing::number(summary, "record_errors"), 0u);

    const double load_s = static_cast<double>(stop_began - load_began) / 1e6;
    testing::report_summary(fmt::format(
        "database-loss variant={} connections={} outage_s={:.1f} pg_stop_s={:.2f} "
        "pg_start_s={:.2f} acknowledged={} lost={} (not in delivery_state {}, not in "
        "delivery_event {}) acknowledged_per_s_before={:.0f} 200s_while_down={} "
        "503s_while_down={} 503s={} other={} connection_errors={} timeouts={} "
        "recovery_s_after_pg_up={:.2f} recovery_s_after_pg_start={:.2f}",
        long_run ? "long" : "fast", testing::load_connections,
        static_cast<double>(start_began - down) / 1e6, static_cast<double>(down - stop_began) / 1e6,
        static_cast<double>(up - start_began) / 1e6, stored.acknowledged,
        std::max(stored.missing_state, stored.missing_event), stored.missing_state,
        stored.missing_event, load_s > 0 ? static_cast<double>(acked_before_stop) / load_s : 0.0,
        answered_while_down, unavailable_while_down, testing::number(summary, "unavailable"),
        testing::number(summary, "other"),
        testing::number(summary, "connect_errors") + testing::number(summary, "io_errors"),
        testing::number(summary, "timeouts"), recovery_s,
        static_cast<double>(*first_after_start - start_began) / 1e6));
}

}  // namespace
}  // namespace deliveryd
