// net::HttpClient against a real HTTP server on 127.0.0.1 (deliveryd's own
// Beast server with a test handler): methods, headers, bodies, many calls at
// once over reused connections, timeouts, refused connections, stop.
#include <atomic>
#include <chrono>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "deliveryd/http/server.hpp"
#include "deliveryd/net/http_client.hpp"

namespace deliveryd {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Echoes "<METHOD> <target> <x-test header> <body>"; /slow answers after 2 s.
class EchoServer {
  public:
    explicit EchoServer(asio::io_context& ioc)
        : server_(ioc, {.endpoint = {asio::ip::make_address("127.0.0.1"), 0}},
                  [this](const http::Request& req,
                         const http::RequestContext&) -> asio::awaitable<http::Response> {
                      if (req.target() == "/slow") {
                          asio::steady_timer timer(co_await asio::this_coro::executor, 2s);
                          co_await timer.async_wait(asio::use_awaitable);
                      }
                      co_return http::Response(bhttp::status::ok, http::ContentType::plain_text,
                                               std::string(req.method_string()) + " " +
                                                   std::string(req.target()) + " " +
                                                   std::string(req["X-Test"]) + " " + req.body());
                  },
                  {.on_connections_changed =
                       [this](std::size_t open) {
                           if (open > opened_) {
                               ++connections_;
                           }
                           opened_ = open;
                       },
                   .on_connection_refused = {}}) {
        server_.start();
    }
    ~EchoServer() { server_.stop(); }

    [[nodiscard]] std::string base() const {
        return "http://127.0.0.1:" + std::to_string(server_.local_endpoint().port());
    }
    [[nodiscard]] int connections() const { return connections_.load(); }

  private:
    http::Server server_;
    std::atomic<std::size_t> opened_{0};
    std::atomic<int> connections_{0};
};

providers::HttpRequest get_request(const std::string& url,
                                   std::vector<std::pair<std::string, std::string>> headers = {}) {
    providers::HttpRequest r;
    r.method = providers::HttpMethod::get;
    r.url = url;
    r.headers = std::move(headers);
    return r;
}

providers::HttpRequest post_request(const std::string& url,
                                    std::vector<std::pair<std::string, std::string>> headers,
                                    std::string body) {
    auto r = get_request(url, std::move(headers));
    r.method = providers::HttpMethod::post;
    r.body = std::move(body);
    return r;
}

struct ClientTest : ::testing::Test {
    // Runs `body` as a coroutine on the io_context until it finishes.
    template <class Body>
    void run(Body body) {
        bool finished = false;
        std::exception_ptr error;
        asio::co_spawn(ioc, std::move(body), [&](std::exception_ptr e) {
            finished = true;
            error = e;
            ioc.stop();  // the test server would keep the io_context busy
        });
        ioc.run_for(30s);
        ASSERT_TRUE(finished) << "did not finish in time";
        if (error) {
            std::rethrow_exception(error);
        }
    }
    asio::io_context ioc;
};

// GCC 12 cannot compile gtest assertions on string literals inside
// coroutines ("array used as initializer"), so each test fetches inside the
// coroutine and asserts outside it.

TEST_F(ClientTest, GetAndPostWithHeadersAndBody) {
    EchoServer server(ioc);
    net::HttpClient client(ioc.get_executor());
    net::HttpResult got;
    net::HttpResult posted;
    net::HttpResult missing;
    const auto get_a = get_request(server.base() + "/a?x=1&y=%20", {{"X-Test", "h1"}});
    const auto post_b =
        post_request(server.base() + "/b", {{"Content-Type", "application/json"}, {"X-Test", "h2"}},
                     R"({"ApiKey":"k"})");
    run([&]() -> asio::awaitable<void> {
        got = co_await client.fetch(get_a);
        posted = co_await client.fetch(post_b);
        missing = co_await client.fetch(get_request(server.base() + "/x"));
        client.stop();
    });
    EXPECT_EQ(got.failure, net::HttpFailure::none) << got.error;
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(got.body, "GET /a?x=1&y=%20 h1 ");
    EXPECT_EQ(posted.status, 200);
    EXPECT_EQ(posted.body, R"(POST /b h2 {"ApiKey":"k"})");
    EXPECT_EQ(missing.failure, net::HttpFailure::none);
}

TEST_F(ClientTest, ManyCallsAtOnceReuseFewConnections) {
    EchoServer server(ioc);
    net::HttpClient client(ioc.get_executor(), {.max_connections_per_host = 8});
    std::atomic<int> ok{0};
    run([&]() -> asio::awaitable<void> {
        // Three waves of 100 concurrent calls.
        for (int wave = 0; wave < 3; ++wave) {
            std::atomic<int> done{0};
            for (int i = 0; i < 100; ++i) {
                asio::co_spawn(
                    ioc,
                    [&, i]() -> asio::awaitable<void> {
                        const auto r = co_await client.fetch(
                            get_request(server.base() + "/n" + std::to_string(i)));
                        if (r.status == 200 && r.body == "GET /n" + std::to_string(i) + "  ") {
                            ++ok;
                        }
                        ++done;
                    },
                    asio::detached);
            }
            asio::steady_timer poll(ioc);
            while (done < 100) {
                poll.expires_after(5ms);
                co_await poll.async_wait(asio::use_awaitable);
            }
        }
        client.stop();
    });
    EXPECT_EQ(ok, 300);
    EXPECT_LE(server.connections(), 8) << "connections are reused, at most 8 per host";
}

TEST_F(ClientTest, TimeoutsAndRefusedConnectionsAreReportedNotThrown) {
    EchoServer server(ioc);
    net::HttpClient client(ioc.get_executor(), {.timeout = 300ms});
    net::HttpResult slow;
    net::HttpResult refused;
    net::HttpResult bad;
    std::chrono::steady_clock::duration slow_took{};
    run([&]() -> asio::awaitable<void> {
        const auto start = std::chrono::steady_clock::now();
        slow = co_await client.fetch(get_request(server.base() + "/slow"));
        slow_took = std::chrono::steady_clock::now() - start;
        refused = co_await client.fetch(
            get_request(std::string("http://127.0.0.1:1/GetSendStatus?ApiKey=SECRET")));
        bad = co_await client.fetch(get_request(std::string("ftp://127.0.0.1/")));
        client.stop();
    });
    EXPECT_EQ(slow.failure, net::HttpFailure::timeout) << slow.error;
    EXPECT_LT(slow_took, 1500ms);
    EXPECT_EQ(refused.failure, net::HttpFailure::connect) << refused.error;
    EXPECT_EQ(refused.error.find("SECRET"), std::string::npos) << refused.error;
    EXPECT_EQ(bad.failure, net::HttpFailure::other) << bad.error;
}

TEST_F(ClientTest, TheSentHookIsToldOnceWhenTheRequestLeaves) {
    EchoServer server(ioc);
    net::HttpClient client(ioc.get_executor());
    std::vector<Clock::time_point> sent;
    std::vector<Clock::time_point> refused_sent;
    Clock::time_point asked{};
    Clock::time_point answered{};
    net::HttpResult slow;
    net::HttpResult refused;
    run([&]() -> asio::awaitable<void> {
        asked = Clock::now();
        slow = co_await client.fetch(get_request(server.base() + "/slow"),
                                     [&](Clock::time_point at) { sent.push_back(at); });
        answered = Clock::now();
        refused = co_await client.fetch(get_request(std::string("http://127.0.0.1:1/x")),
                                        [&](Clock::time_point at) { refused_sent.push_back(at); });
        client.stop();
    });
    ASSERT_EQ(slow.status, 200) << slow.error;
    ASSERT_EQ(sent.size(), 1u);
    // When it left, not when it was answered (two seconds later).
    EXPECT_GE(sent[0], asked);
    EXPECT_LT(sent[0], answered - 1s);
    // Nothing left on a refused connection.
    EXPECT_EQ(refused.failure, net::HttpFailure::connect);
    EXPECT_TRUE(refused_sent.empty());
}

TEST_F(ClientTest, StopCompletesCallsInFlightAsCancelled) {
    EchoServer server(ioc);
    net::HttpClient client(ioc.get_executor());
    net::HttpResult during;
    net::HttpResult after;
    run([&]() -> asio::awaitable<void> {
        asio::steady_timer stop_soon(ioc, 100ms);
        stop_soon.async_wait([&](const boost::system::error_code&) { client.stop(); });
        during = co_await client.fetch(get_request(server.base() + "/slow"));
        after = co_await client.fetch(get_request(server.base() + "/a"));
    });
    EXPECT_EQ(during.failure, net::HttpFailure::cancelled);
    EXPECT_EQ(after.failure, net::HttpFailure::cancelled);
}

}  // namespace
}  // namespace deliveryd
