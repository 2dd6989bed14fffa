// How deliveryd's HTTP server reads requests, over real sockets on
// 127.0.0.1: requests sent together are answered in order, a request that
// arrives in pieces is read whole (its body too), heads and bodies over the
// limits get their 4xx, and a request cut short gets a 400 while a client
// that leaves between requests gets nothing.
#include <chrono>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "deliveryd/http/server.hpp"

namespace deliveryd {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;

// Answers "<method> <target> <body>", with small header and body limits.
class LimitedEchoServer {
  public:
    LimitedEchoServer()
        : server_(ioc_,
                  {.endpoint = {asio::ip::make_address("127.0.0.1"), 0},
                   .read_timeout = 5s,
                   .header_limit = 1024,
                   .body_limit = 64,
                   .io_threads = 1},
                  [](const http::Request& req,
                     const http::RequestContext&) -> asio::awaitable<http::Response> {
                      co_return http::Response(bhttp::status::ok, http::ContentType::plain_text,
                                               std::string(req.method_string()) + " " +
                                                   std::string(req.target()) + " " + req.body());
                  }) {
        server_.start();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~LimitedEchoServer() {
        server_.stop();
        ioc_.stop();
        thread_.join();
    }
    [[nodiscard]] asio::ip::tcp::endpoint endpoint() const { return server_.local_endpoint(); }

  private:
    asio::io_context ioc_;
    http::Server server_;
    std::thread thread_;
};

// Sends `pieces` with a pause between them, then reads until the server
// closes the connection (or 5 s pass): everything the server answered.
std::string exchange(const asio::ip::tcp::endpoint& to, const std::vector<std::string>& pieces,
                     bool close_after = false) {
    asio::io_context ioc;
    asio::ip::tcp::socket socket(ioc);
    socket.connect(to);
    const timeval timeout{5, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        if (i > 0) {
            std::this_thread::sleep_for(30ms);
        }
        asio::write(socket, asio::buffer(pieces[i]));
    }
    if (close_after) {
        socket.shutdown(asio::ip::tcp::socket::shutdown_send);
    }
    std::string received;
    char buffer[4096];
    boost::system::error_code ec;
    while (!ec) {
        received.append(buffer, socket.read_some(asio::buffer(buffer), ec));
    }
    return received;
}

std::string ok(std::string_view body, bool close = false) {
    return "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n" +
           std::string(close ? "Connection: close\r\n" : "") +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

TEST(HttpReading, RequestsSentTogetherAreAnsweredInOrder) {
    LimitedEchoServer server;
    EXPECT_EQ(
        exchange(server.endpoint(), {"GET /a HTTP/1.1\r\nHost: t\r\n\r\n"
                                     "POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nxyz"
                                     "GET /c HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"}),
        ok("GET /a ") + ok("POST /b xyz") + ok("GET /c ", true));
}

TEST(HttpReading, ARequestInPiecesIsReadWholeBodyIncluded) {
    LimitedEchoServer server;
    EXPECT_EQ(
        exchange(server.endpoint(), {"PO", "ST /in-pieces HT", "TP/1.1\r\nHost: t\r\nContent-",
                                     "Length: 5\r\nConnection: close\r\n\r", "\nab", "cde"}),
        ok("POST /in-pieces abcde", true));
}

TEST(HttpReading, HeadsAndBodiesOverTheLimitsGetTheir4xx) {
    LimitedEchoServer server;
    const auto status_line = [&](const std::string& request) {
        const auto answer = exchange(server.endpoint(), {request});
        return answer.substr(0, answer.find("\r\n"));
    };
    EXPECT_EQ(status_line("GET /" + std::string(2000, 'a') + " HTTP/1.1\r\n\r\n"),
              "HTTP/1.1 414 URI Too Long");
    EXPECT_EQ(status_line("GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n"),
              "HTTP/1.1 431 Request Header Fields Too Large");
    EXPECT_EQ(status_line("POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n" + std::string(65, 'b')),
              "HTTP/1.1 413 Payload Too Large");
    EXPECT_EQ(status_line("NOT HTTP AT ALL\r\n\r\n"), "HTTP/1.1 400 Bad Request");
}

TEST(HttpReading, ARequestCutShortGets400AndALeavingClientNothing) {
    LimitedEchoServer server;
    const auto cut_short = exchange(server.endpoint(), {"GET /half HTTP/1.1\r\nHo"}, true);
    EXPECT_EQ(cut_short.substr(0, cut_short.find("\r\n")), "HTTP/1.1 400 Bad Request");
    EXPECT_EQ(exchange(server.endpoint(), {"GET /one HTTP/1.1\r\nHost: t\r\n\r\n"}, true),
              ok("GET /one "));
    EXPECT_EQ(exchange(server.endpoint(), {}, true), "");
}

}  // namespace
}  // namespace deliveryd
