// Hostile callbacks (a row of docs/reliability.md) beyond test_callback_route's
// malformed table: invalid UTF-8, thousands of parameters, repeated
// parameters, and a client dripping one byte a second. Each gets its 4xx (or
// its connection closed) within bounded time, changes nothing, and others are
// served meanwhile.
#include <chrono>
#include <future>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "support/daemon.hpp"
#include "support/http_get.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string many_parameters(int count) {
    std::string query = "SMSID=many-1&SendStatus=5";
    for (int i = 0; i < count; ++i) {
        query += "&p" + std::to_string(i) + "=1";
    }
    return query;
}

TEST(HostileCallbacks, EachGetsItsStatusQuicklyAndChangesNothing) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    testing::Daemon d(testing::daemon_config(db.url(), "  read_timeout: 2s\n"));
    ASSERT_NE(d.port, 0) << d.process.output();

    const std::vector<std::pair<std::string, int>> cases{
        {"SMSID=bad%FFutf8&SendStatus=5", 400},
        {"SMSID=bad%C3%28utf8&SendStatus=5", 400},
        {"SMSID=ok-1&SendStatus=5&SendStatus=4", 400},
        {"SMSID=ok-1&SendStatus=5&sendstatus=4", 400},
        {"SMSID=ok-1&SendStatus=5&TelcoId=1&telcoid=2", 400},
        {many_parameters(1000), 400},
        {"SMSID=ok-1&SendStatus=5&SendSuccess=2147483648", 400},
        {"SMSID=ok-1&SendStatus=5&TypeId=%2B2", 400},
        {"SMSID=ok-1&SendStatus=%205", 400},
    };
    for (const auto& [query, status] : cases) {
        const auto started = Clock::now();
        const auto result = testing::http_get(d.port, "/callback/esms?" + query, 5s);
        EXPECT_EQ(result.status, status) << query.substr(0, 120) << ": " << result.body;
        EXPECT_LT(Clock::now() - started, 2s) << query.substr(0, 120);
    }
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_state"), "0");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_event"), "0");
    EXPECT_EQ(testing::http_get(d.port, "/callback/esms?SMSID=fine-1&SendStatus=5&TypeId=2").status,
              200);

    // Invalid UTF-8 in a text field is the provider's text, not an attack:
    // refusing it would lose a real status (the provider gives up after five
    // tries). It is stored made valid (U+FFFD), the raw payload as well.
    EXPECT_EQ(testing::http_get(d.port,
                                "/callback/esms?SMSID=utf-1&SendStatus=5&TypeId=24&"
                                "error_info=-114%20%FF%FEbad")
                  .status,
              200);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_event WHERE sms_id = 'utf-1' "
                        "AND raw_payload LIKE '%bad'"),
              "1");
}

TEST(HostileCallbacks, AClientDrippingAByteASecondIsCutOffAndDelaysNobody) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    // Two threads: each connection then runs on a strand, the deadline
    // checks included.
    testing::Daemon d(testing::daemon_config(db.url(), "  read_timeout: 2s\n  threads: 2\n"));
    ASSERT_NE(d.port, 0) << d.process.output();

    // A slow client: one byte a second of a valid request, which would take
    // over a minute to finish; the server must close it at read_timeout.
    auto drip = std::async(std::launch::async, [port = d.port] {
        boost::asio::io_context ioc;
        boost::asio::ip::tcp::socket socket(ioc);
        socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
        const std::string request =
            "GET /callback/esms?SMSID=drip-1&SendStatus=5&TypeId=2 HTTP/1.1\r\nHost: x\r\n\r\n";
        const auto started = Clock::now();
        for (const char c : request) {
            boost::system::error_code ec;
            boost::asio::write(socket, boost::asio::buffer(&c, 1), ec);
            if (ec) {
                break;  // the server closed the connection
            }
            std::this_thread::sleep_for(1s);
            if (Clock::now() - started > 10s) {
                break;
            }
        }
        return Clock::now() - started;
    });

    // Meanwhile others are served at once.
    for (int i = 0; i < 5; ++i) {
        const auto started = Clock::now();
        EXPECT_EQ(testing::http_get(d.port, "/callback/esms?SMSID=other-" + std::to_string(i) +
                                                "&SendStatus=5&TypeId=2")
                      .status,
                  200);
        EXPECT_LT(Clock::now() - started, 1s);
        std::this_thread::sleep_for(300ms);
    }
    const auto dripped = drip.get();
    EXPECT_LT(dripped, 6s) << "the dripping client was not cut off near read_timeout (2 s)";
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_state WHERE sms_id = 'drip-1'"), "0");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_state"), "5");
}

}  // namespace
}  // namespace deliveryd
