// Arrival stamps on a real connection on 127.0.0.1: the kernel's receive
// time of a byte left unread, not the time it is looked at.
#include "arrival_stamp.hpp"

#include <array>
#include <string_view>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace deliveryd::sim {
namespace {

using asio::ip::tcp;
using namespace std::chrono_literals;

TEST(ArrivalStamp, AByteWaitingIsStampedWhenItArrivedAndStaysUnread) {
    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    tcp::socket client(ioc);
    client.connect(acceptor.local_endpoint());
    tcp::socket server = acceptor.accept();
    ASSERT_TRUE(stamp_arrivals(server));
    EXPECT_FALSE(first_unread_arrival(server)) << "nothing has arrived yet";

    const auto sent = std::chrono::steady_clock::now();
    asio::write(client, asio::buffer(std::string_view("GET / HTTP/1.1\r\n")));
    std::this_thread::sleep_for(300ms);
    const auto looked = std::chrono::steady_clock::now();
    const auto arrived = first_unread_arrival(server);
    ASSERT_TRUE(arrived);
    EXPECT_GE(*arrived, sent - 5ms);
    EXPECT_LT(*arrived, looked - 200ms) << "stamped when looked at, not when it arrived";
    // Still there to be read, whole.
    std::array<char, 64> read{};
    EXPECT_EQ(server.read_some(asio::buffer(read)), 16U);
}

}  // namespace
}  // namespace deliveryd::sim
