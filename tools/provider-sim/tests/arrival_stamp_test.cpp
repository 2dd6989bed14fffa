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

// Until a byte sent to `server` comes stamped, at most for a second: the
// kernel switches stamping on shortly after the first socket of the host
// asks for it, and tests running beside this one open and close theirs.
// Every byte sent is read back.
bool wait_for_stamping(tcp::socket& client, tcp::socket& server) {
    std::array<char, 1> byte{};
    for (int attempt = 0; attempt < 100; ++attempt) {
        asio::write(client, asio::buffer(std::string_view("x")));
        std::this_thread::sleep_for(10ms);
        const bool stamped = first_unread_arrival(server).has_value();
        server.read_some(asio::buffer(byte));
        if (stamped) {
            return true;
        }
    }
    return false;
}

TEST(ArrivalStamp, AByteWaitingIsStampedWhenItArrivedAndStaysUnread) {
    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    // On the listening socket, as the simulator asks: the accepted one is
    // stamped too.
    ASSERT_TRUE(stamp_arrivals(acceptor));
    tcp::socket client(ioc);
    client.connect(acceptor.local_endpoint());
    tcp::socket server = acceptor.accept();
    EXPECT_FALSE(first_unread_arrival(server)) << "nothing has arrived yet";
    ASSERT_TRUE(wait_for_stamping(client, server)) << "no byte came stamped within a second";

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
