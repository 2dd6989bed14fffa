// deliveryd's HTTP server on 127.0.0.1 with a test handler: an answer too
// large for the socket buffers arrives whole once the client reads, and a
// client that stops reading is cut off at the deadline.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "deliveryd/http/server.hpp"

namespace deliveryd {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;

// Far more than a loopback socket's send and receive buffers hold.
constexpr std::size_t large_body = 16 * 1024 * 1024;

std::string large_text() {
    std::string text(large_body, '\0');
    for (std::size_t i = 0; i < text.size(); ++i) {
        text[i] = static_cast<char>('a' + i % 26);
    }
    return text;
}

class LargeAnswerServer {
  public:
    explicit LargeAnswerServer(std::chrono::milliseconds read_timeout)
        : server_(ioc_,
                  {.endpoint = {asio::ip::make_address("127.0.0.1"), 0},
                   .read_timeout = read_timeout,
                   .io_threads = 1},
                  [](const http::Request&,
                     const http::RequestContext&) -> asio::awaitable<http::Response> {
                      co_return http::Response(bhttp::status::ok, http::ContentType::plain_text,
                                               large_text());
                  },
                  {.on_connections_changed = [this](std::size_t open) { open_ = open; },
                   .on_connection_refused = {}}) {
        server_.start();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~LargeAnswerServer() {
        server_.stop();
        ioc_.stop();
        thread_.join();
    }
    [[nodiscard]] asio::ip::tcp::endpoint endpoint() const { return server_.local_endpoint(); }
    [[nodiscard]] std::size_t open() const { return open_.load(); }

  private:
    asio::io_context ioc_;
    http::Server server_;
    std::atomic<std::size_t> open_{0};
    std::thread thread_;
};

// A connected client that sent one GET and has read nothing yet.
asio::ip::tcp::socket request_sent(asio::io_context& ioc, const asio::ip::tcp::endpoint& to) {
    asio::ip::tcp::socket socket(ioc);
    socket.open(asio::ip::tcp::v4());
    socket.set_option(asio::socket_base::receive_buffer_size(4096));
    socket.connect(to);
    asio::write(socket, asio::buffer(std::string("GET /large HTTP/1.1\r\nHost: t\r\n\r\n")));
    return socket;
}

TEST(HttpServer, AnAnswerLargerThanTheSocketBuffersArrivesWhole) {
    LargeAnswerServer server(10s);
    asio::io_context ioc;
    auto socket = request_sent(ioc, server.endpoint());
    // The server writes what fits and leaves the rest to the asynchronous
    // write while this client reads nothing.
    std::this_thread::sleep_for(300ms);

    std::string received;
    boost::system::error_code ec;
    char buffer[65536];
    const std::string expected_head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
        std::to_string(large_body) + "\r\n\r\n";
    while (received.size() < expected_head.size() + large_body && !ec) {
        received.append(buffer, socket.read_some(asio::buffer(buffer), ec));
    }
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_EQ(received.size(), expected_head.size() + large_body);
    EXPECT_EQ(received.substr(0, expected_head.size()), expected_head);
    EXPECT_TRUE(received.compare(expected_head.size(), large_body, large_text()) == 0);
}

TEST(HttpServer, AClientThatStopsReadingIsCutOffAtTheDeadline) {
    LargeAnswerServer server(500ms);
    asio::io_context ioc;
    auto socket = request_sent(ioc, server.endpoint());
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (server.open() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(server.open(), 1U);
    // read_timeout, and at most a quarter of it more for the sweep.
    while (server.open() != 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(server.open(), 0U)
        << "the write that outlived read_timeout should end the connection";
}

}  // namespace
}  // namespace deliveryd
