// Callback delivery against a real receiver on 127.0.0.1: retries, give-up,
// timeouts, drops, and the query that arrives.
#include <gtest/gtest.h>

#include "callback_dispatcher.hpp"
#include "test_support.hpp"
#include "url_encode.hpp"

namespace deliveryd::sim {
namespace {

using namespace test;

const sim_time t0 = sim_time{std::chrono::sys_days{std::chrono::year{2026} / 1 / 6}};

std::vector<message> one_zns() {
    auto m = zns_message("f66545d2-c7e2-4603-984e-d2238c363c8292", "", t0);
    m.timeline = {event_at(1000, 5, 0, 1, zalo_error{-114, "User is inactive"})};
    return {m};
}

struct dispatcher_fixture {
    dispatcher_fixture(unsigned short port, dispatcher_config config,
                       std::vector<message> messages = one_zns())
        : state(std::move(messages), clock),
          dispatcher(ioc, state,
                     parse_callback_url("http://127.0.0.1:" + std::to_string(port) +
                                        "/callback/esms?token=t"),
                     config) {
        dispatcher.start();
    }

    bool settled() const {
        const auto& s = state.stats.callbacks;
        return s.sent + s.failed + s.dropped == s.scheduled &&
               state.store.callbacks_pending() == 0 && state.callbacks_in_flight == 0;
    }

    manual_clock clock{t0 + std::chrono::minutes(1)};
    sim_state state;
    boost::asio::io_context ioc;
    callback_dispatcher dispatcher;
};

dispatcher_config fast() {
    dispatcher_config c;
    c.retry_delay = milliseconds(20);
    c.timeout = milliseconds(2000);
    c.tick = milliseconds(2);
    return c;
}

class CallbackRetry : public ::testing::TestWithParam<int> {};

TEST_P(CallbackRetry, RetriesUntilTheReceiverAnswers2xx) {
    int failures = GetParam();
    callback_receiver receiver(failures);
    dispatcher_fixture f(receiver.port(), fast());
    ASSERT_TRUE(run_until(f.ioc, [&] { return f.settled(); }));
    const auto& s = f.state.stats.callbacks;
    EXPECT_EQ(s.scheduled, 1U);
    EXPECT_EQ(s.attempts, static_cast<std::uint64_t>(failures + 1));
    EXPECT_EQ(s.retried, static_cast<std::uint64_t>(failures));
    EXPECT_EQ(s.sent, 1U);
    EXPECT_EQ(s.failed, 0U);
    EXPECT_EQ(receiver.requests(), failures + 1);
}

INSTANTIATE_TEST_SUITE_P(FailFirst, CallbackRetry, ::testing::Values(0, 1, 4));

TEST(CallbackDelivery, GivesUpAfterFiveAttempts) {
    callback_receiver receiver(100);
    dispatcher_fixture f(receiver.port(), fast());
    ASSERT_TRUE(run_until(f.ioc, [&] { return f.settled(); }));
    const auto& s = f.state.stats.callbacks;
    EXPECT_EQ(s.attempts, 5U);
    EXPECT_EQ(s.retried, 4U);
    EXPECT_EQ(s.failed, 1U);
    EXPECT_EQ(s.sent, 0U);
    EXPECT_EQ(receiver.requests(), 5);
}

TEST(CallbackDelivery, TimeoutsCountAsFailures) {
    callback_receiver receiver(2, /*hang_on_fail=*/true);
    auto config = fast();
    config.timeout = milliseconds(200);
    dispatcher_fixture f(receiver.port(), config);
    ASSERT_TRUE(run_until(f.ioc, [&] { return f.settled(); }));
    EXPECT_EQ(f.state.stats.callbacks.attempts, 3U);
    EXPECT_EQ(f.state.stats.callbacks.sent, 1U);
}

TEST(CallbackDelivery, RefusedConnectionsAreRetriedThenGivenUp) {
    unsigned short closed_port = 0;
    {
        callback_receiver receiver(0);  // bind a port, then free it
        closed_port = receiver.port();
    }
    dispatcher_fixture f(closed_port, fast());
    ASSERT_TRUE(run_until(f.ioc, [&] { return f.settled(); }));
    EXPECT_EQ(f.state.stats.callbacks.attempts, 5U);
    EXPECT_EQ(f.state.stats.callbacks.failed, 1U);
}

TEST(CallbackDelivery, QueryArrivesAsInTheSeed) {
    callback_receiver receiver(0);
    dispatcher_fixture f(receiver.port(), fast());
    ASSERT_TRUE(run_until(f.ioc, [&] { return f.settled(); }));
    auto targets = receiver.targets();
    ASSERT_EQ(targets.size(), 1U);
    const auto& target = targets[0];
    EXPECT_EQ(
        target.rfind("/callback/esms?token=t&SMSID=f66545d2-c7e2-4603-984e-d2238c363c8292&", 0), 0U)
        << target;
    auto query = target.substr(target.find("&SMSID") + 1);
    EXPECT_EQ(query_value(query, "SendStatus"), "5");
    EXPECT_EQ(percent_decode(query_value(query, "error_info")).value(),
              R"("{\"error\":-114,\"message\":\"User is inactive\"}")");
}

TEST(CallbackDelivery, DroppedCallbacksAreNeverSentAndTheChoiceIsStable) {
    std::vector<message> messages;
    for (int i = 0; i < 200; ++i) {
        auto m = zns_message("id-" + std::to_string(i), "p" + std::to_string(i), t0);
        m.timeline = {event_at(1000, 5, 1, 0)};
        messages.push_back(m);
    }
    callback_receiver receiver(0);
    dispatcher_fixture f(receiver.port(), fast(), messages);
    f.state.drop_callbacks = 0.25;
    f.state.seed = 42;
    ASSERT_TRUE(run_until(f.ioc, [&] { return f.settled(); }));
    const auto& s = f.state.stats.callbacks;
    EXPECT_EQ(s.scheduled, 200U);
    EXPECT_GT(s.dropped, 20U);
    EXPECT_LT(s.dropped, 80U);
    EXPECT_EQ(s.sent + s.dropped, 200U);
    EXPECT_EQ(receiver.requests(), static_cast<int>(s.sent));

    std::uint64_t dropped_again = 0;
    for (const auto& m : f.state.store.all()) {
        dropped_again += is_dropped(f.state, {&m, &m.timeline[0], t0, false}) ? 1U : 0U;
    }
    EXPECT_EQ(dropped_again, s.dropped);
}

TEST(CallbackDelivery, ConcurrencyIsBounded) {
    std::vector<message> messages;
    for (int i = 0; i < 60; ++i) {
        auto m = zns_message("c-" + std::to_string(i), "", t0);
        m.timeline = {event_at(1000, 2)};
        messages.push_back(m);
    }
    callback_receiver receiver(1000, /*hang_on_fail=*/true);
    auto config = fast();
    config.concurrency = 4;
    config.timeout = milliseconds(100);
    config.attempts = 1;
    dispatcher_fixture f(receiver.port(), config, messages);
    std::size_t max_in_flight = 0;
    ASSERT_TRUE(run_until(f.ioc, [&] {
        max_in_flight = std::max(max_in_flight, f.state.callbacks_in_flight);
        return f.settled();
    }));
    EXPECT_EQ(max_in_flight, 4U);
    EXPECT_EQ(f.state.stats.callbacks.failed, 60U);
}

}  // namespace
}  // namespace deliveryd::sim
