// The HTTP/1.1 server: one coroutine per connection (on its own strand when
// several threads run the io_context), reading requests with a deadline and
// answering them through a Handler.
//
// Limits: at most `max_connections` open at once (more are closed at accept),
// request head of at most `header_limit` bytes (414 when the request line
// alone is too long, 431 otherwise), body of at most `body_limit` bytes (413),
// and `read_timeout` for a whole request and for writing its answer, so a
// client that stalls holds nothing but its own socket (deadlines are checked
// a few times per read_timeout: a stalled request ends between read_timeout
// and 1.25 times it, at most a second late).
//
// Lifetime: construct, start(), later stop() from any thread. stop() closes
// the listener and idle connections; requests being handled finish and get
// their answer with "Connection: close". The io_context runs out of work once
// the last connection ends.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "deliveryd/http/response.hpp"

namespace deliveryd::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;

struct RequestContext {
    boost::asio::ip::address remote;
};

// Produces the response for one request. Runs on the connection's strand; it
// must not block (hand blocking work to another executor and co_await it).
using Handler =
    std::function<boost::asio::awaitable<Response>(const Request&, const RequestContext&)>;

struct ServerOptions {
    boost::asio::ip::tcp::endpoint endpoint;
    std::size_t max_connections = 10'000;
    std::chrono::milliseconds read_timeout{10'000};
    std::uint32_t header_limit = 16 * 1024;
    std::uint64_t body_limit = 64 * 1024;
    std::size_t target_limit = 8 * 1024;
    // Threads running the io_context: with one, connections need no strand.
    int io_threads = 2;
};

// Counts the server reports; read by the metrics code.
struct ServerObserver {
    std::function<void(std::size_t open)> on_connections_changed;
    std::function<void()> on_connection_refused;  // over max_connections
};

class Server {
  public:
    Server(boost::asio::io_context& ioc, ServerOptions options, Handler handler,
           ServerObserver observer = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and listens; throws boost::system::system_error when it cannot.
    void start();
    void stop();
    [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
    [[nodiscard]] bool stopping() const noexcept { return stopping_.load(); }

  private:
    class Session;
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> sweep_loop();
    void forget(Session* session);

    boost::asio::io_context& ioc_;
    ServerOptions options_;
    Handler handler_;
    ServerObserver observer_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer sweep_timer_;  // connections' deadlines, on acceptor_'s strand
    std::atomic<bool> stopping_{false};
    std::mutex sessions_mutex_;
    std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
    std::size_t open_ = 0;  // guarded by sessions_mutex_
};

}  // namespace deliveryd::http
