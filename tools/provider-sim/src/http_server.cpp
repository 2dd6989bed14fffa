#include "http_server.hpp"

#include <optional>
#include <sstream>
#include <variant>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include "arrival_stamp.hpp"
#include "fault_responses.hpp"
#include "router.hpp"

namespace deliveryd::sim {
namespace {

namespace beast = boost::beast;
using asio::ip::tcp;

asio::awaitable<void> sleep_for(milliseconds d) {
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    co_await timer.async_wait(use_nothrow);
}

// True once the socket has a byte to read (or its end), false after
// `timeout` without one.
asio::awaitable<bool> readable_within(tcp::socket& socket, milliseconds timeout) {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(socket.get_executor(), timeout);
    const auto first = co_await (socket.async_wait(tcp::socket::wait_read, use_nothrow) ||
                                 timer.async_wait(use_nothrow));
    co_return first.index() == 0 && !std::get<0>(std::get<0>(first));
}

void log_exception(std::exception_ptr e) {
    if (!e) {
        return;
    }
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        spdlog::error("connection failed: {}", ex.what());
    }
}

// Headers promising the whole body, then half of it, then the connection
// closes: what a client sees when a proxy or the provider dies mid-answer.
asio::awaitable<void> write_truncated(beast::tcp_stream& stream, const http_response& res) {
    std::ostringstream whole;
    whole << res;
    std::string wire = whole.str();
    std::size_t header = wire.size() - res.body().size();
    std::size_t cut = header + res.body().size() / 2;
    co_await asio::async_write(stream, asio::buffer(wire.data(), cut), use_nothrow);
}

}  // namespace

http_server::http_server(asio::io_context& ioc, sim_state& state, server_config config)
    : ioc_(ioc), state_(state), config_(config), acceptor_(ioc) {}

tcp::endpoint http_server::listen(const tcp::endpoint& where) {
    acceptor_.open(where.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(where);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    // Now, so that the kernel's stamping is on before the first call comes;
    // every accepted connection inherits it.
    stamp_arrivals(acceptor_);
    return acceptor_.local_endpoint();
}

void http_server::start() {
    asio::co_spawn(ioc_, accept_loop(), log_exception);
}

void http_server::stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
}

asio::awaitable<void> http_server::accept_loop() {
    while (acceptor_.is_open()) {
        auto [ec, socket] = co_await acceptor_.async_accept(use_nothrow);
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
            co_return;
        }
        if (ec) {
            // Out of descriptors and the like: back off instead of spinning.
            spdlog::warn("accept failed: {}", ec.message());
            co_await sleep_for(milliseconds(50));
            continue;
        }
        asio::co_spawn(ioc_, session(std::move(socket)), log_exception);
    }
}

asio::awaitable<void> http_server::session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        // Rate limits count a call when it reached the host: the stamp of
        // its first byte, taken while that byte is still unread. A request
        // whose first bytes came with the previous one's is counted when read.
        std::optional<steady_time> arrived;
        if (buffer.size() == 0) {
            if (!co_await readable_within(stream.socket(), config_.read_timeout)) {
                break;  // idle too long, or the connection failed
            }
            arrived = first_unread_arrival(stream.socket());
        }
        stream.expires_after(config_.read_timeout);
        http::request_parser<http::string_body> parser;
        parser.body_limit(config_.body_limit);
        auto [ec, bytes] = co_await http::async_read(stream, buffer, parser, use_nothrow);
        if (ec == http::error::body_limit) {
            http_request req = parser.release();
            http_response res{http::status::payload_too_large, req.version()};
            res.keep_alive(false);
            res.prepare_payload();
            co_await http::async_write(stream, res, use_nothrow);
            break;
        }
        if (ec) {
            break;  // closed, timed out or unreadable: nothing to answer
        }
        http_request req = parser.release();
        api_time now{arrived.value_or(std::chrono::steady_clock::now()), state_.clock.now()};
        auto routed = route(state_, req, now);
        auto fault = fault_kind::none;
        if (routed.provider) {
            fault = state_.picker.pick(state_.faults, *routed.provider);
            ++state_.stats.faults[static_cast<std::size_t>(fault)];
            auto delay = state_.picker.latency(state_.faults);
            if (delay > milliseconds(0)) {
                co_await sleep_for(delay);
            }
        }
        switch (fault) {
            case fault_kind::reset: {
                boost::system::error_code ignored;
                stream.socket().set_option(asio::socket_base::linger(true, 0), ignored);
                stream.socket().close(ignored);
                co_return;
            }
            case fault_kind::timeout:
                co_await sleep_for(state_.faults.hang);
                co_return;
            case fault_kind::truncated:
                stream.expires_after(config_.read_timeout);
                co_await write_truncated(stream, routed.response);
                co_return;
            case fault_kind::error_5xx:
                routed.response = error_5xx_response(*routed.provider, req);
                break;
            case fault_kind::bad_code:
                routed.response = bad_code_response(*routed.provider, req);
                break;
            case fault_kind::malformed:
                make_malformed(routed.response);
                break;
            case fault_kind::none:
                break;
        }
        bool keep_alive = routed.response.keep_alive();
        stream.expires_after(config_.read_timeout);
        auto [wec, written] = co_await http::async_write(stream, routed.response, use_nothrow);
        if (wec || !keep_alive) {
            break;
        }
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace deliveryd::sim
