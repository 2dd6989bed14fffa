#include "deliveryd/http/server.hpp"

#include <algorithm>
#include <string>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <spdlog/spdlog.h>

namespace deliveryd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using Parser = bhttp::request_parser<bhttp::string_body>;

namespace {

Response plain_response(bhttp::status status, std::string body) {
    Response res(status, ContentType::plain_text, std::move(body));
    res.close_connection();
    return res;
}

// A request head over the limit: 414 when even the request line did not fit,
// 431 when the header fields did. (Not told by what is left in the read
// buffer: the parser consumes the request line once it has read it.)
bhttp::status status_for_oversized_head(const Parser& parser) {
    return parser.get().method_string().empty() ? bhttp::status::uri_too_long
                                                : bhttp::status::request_header_fields_too_large;
}

}  // namespace

// One connection. Every step runs on the connection's executor: a strand
// when the io_context has several threads, which keeps this socket's reads,
// writes, the deadline check and the stop() notification from running at
// the same time; the io_context itself when it has one thread.
//
// The deadline is a time, not a timer: Server's sweep checks it a few times
// per read_timeout and cancels the socket's operation once it has passed. A
// timer armed and cancelled around every read and write cost more CPU than
// parsing the request.
class Server::Session : public std::enable_shared_from_this<Session> {
  public:
    using Clock = std::chrono::steady_clock;

    Session(tcp::socket socket, Server& server) : socket_(std::move(socket)), server_(server) {
        boost::system::error_code ec;
        context_.remote = socket_.remote_endpoint(ec).address();
        // A write that would block returns at once (see write()).
        socket_.non_blocking(true, ec);
    }

    asio::awaitable<void> run() {
        beast::flat_buffer buffer;
        while (!server_.stopping()) {
            Parser parser;
            parser.header_limit(server_.options_.header_limit);
            parser.body_limit(server_.options_.body_limit);
            deadline_ = Clock::now() + server_.options_.read_timeout;
            idle_ = true;
            // The read loop of Beast's async_read, without its two layers of
            // composed operations (a handler, an executor and a work guard
            // each, on every read).
            boost::system::error_code ec = parse_buffered(buffer, parser);
            while (ec == bhttp::error::need_more) {
                const std::size_t room = beast::read_size(buffer, max_read);
                if (room == 0) {
                    ec = bhttp::error::buffer_overflow;
                    break;
                }
                auto [read_error, n] =
                    co_await socket_.async_read_some(buffer.prepare(room), use_tuple);
                buffer.commit(n);
                if (read_error) {
                    ec = after_read_error(read_error, parser);
                    break;
                }
                ec = parse_buffered(buffer, parser);
            }
            idle_ = false;
            deadline_ = Clock::time_point::max();
            if (ec) {
                co_await answer_read_error(ec, parser);
                break;
            }
            // Handled here rather than in a coroutine of its own: every
            // coroutine between the read and the handler is a frame and a
            // resumption per request.
            const Request request = parser.release();
            Response response;
            if (request.target().size() > server_.options_.target_limit) {
                response = plain_response(bhttp::status::uri_too_long, "request target too long\n");
            } else {
                try {
                    response = co_await server_.handler_(request, context_);
                } catch (const std::exception& e) {
                    // Never the target: it may hold the callback token and phone numbers.
                    spdlog::error("http: handler failed for a {} request: {}",
                                  request.method_string(), e.what());
                    response =
                        plain_response(bhttp::status::internal_server_error, "internal error\n");
                }
            }
            const bool keep_alive =
                request.keep_alive() && !response.closes_connection() && !server_.stopping();
            // An answer that could not be written (in time) ends the connection.
            const Sent sent =
                write_now(response, request.method() == bhttp::verb::head, keep_alive);
            if (sent == Sent::failed || (sent == Sent::partly && !co_await write_rest())) {
                break;
            }
            if (!keep_alive) {
                break;
            }
            if (buffer.size() == 0) {
                // The client sends its next request only once it has this
                // answer. A read started now would find nothing yet and cost
                // a system call for it; started after the io_context's
                // other ready work (often the answers of the rest of a
                // batch), it usually finds that request already there.
                co_await asio::post(socket_.get_executor(), asio::use_awaitable);
            }
        }
        boost::system::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
        socket_.close(ignored);
    }

    // Called through the executor by Server::stop(): wake a connection that
    // waits for its next request; one being served finishes first.
    void close_if_idle() {
        if (idle_) {
            socket_.cancel();
        }
    }

    // Called through the executor by Server's sweep: a read or write that
    // outlived its deadline ends (operation_aborted), and so does the
    // connection.
    void cancel_if_late(Clock::time_point now) {
        if (deadline_ <= now) {
            deadline_ = Clock::time_point::max();
            socket_.cancel();
        }
    }

    [[nodiscard]] auto executor() { return socket_.get_executor(); }

  private:
    // The most read from the socket at once, as Beast reads.
    static constexpr std::size_t max_read = 64 * 1024;

    // Puts what `buffer` holds into `parser`: no error once the request is
    // whole, need_more while it wants more, else the parser's error. A put
    // that ends the request head returns before the body: the loop goes on
    // into it.
    static boost::system::error_code parse_buffered(beast::flat_buffer& buffer, Parser& parser) {
        boost::system::error_code ec;
        while (buffer.size() != 0 && !parser.is_done()) {
            const std::size_t used = parser.put(buffer.data(), ec);
            buffer.consume(used);
            if (ec) {
                return ec;
            }
            if (used == 0) {
                break;
            }
        }
        return parser.is_done() ? boost::system::error_code{}
                                : boost::system::error_code{bhttp::error::need_more};
    }

    // The error a failed read ends the request with: at the end of the
    // stream, end_of_stream between requests, or what the parser makes of
    // a request cut short.
    static boost::system::error_code after_read_error(boost::system::error_code read_error,
                                                      Parser& parser) {
        if (read_error != asio::error::eof) {
            return read_error;
        }
        if (!parser.got_some()) {
            return bhttp::error::end_of_stream;
        }
        boost::system::error_code ec;
        parser.put_eof(ec);
        return ec;
    }

    asio::awaitable<void> answer_read_error(boost::system::error_code ec, const Parser& parser) {
        if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
            ec == asio::error::connection_reset || ec == asio::error::eof) {
            co_return;  // the peer left, stalled, or we are stopping: nothing to say
        }
        Response response;
        if (ec == bhttp::error::header_limit) {
            response =
                plain_response(status_for_oversized_head(parser), "request head too large\n");
        } else if (ec == bhttp::error::body_limit) {
            response = plain_response(bhttp::status::payload_too_large, "body too large\n");
        } else {
            response = plain_response(bhttp::status::bad_request, "malformed request\n");
        }
        if (write_now(response, false, false) == Sent::partly) {
            co_await write_rest();
        }
    }

    enum class Sent { all, partly, failed };

    // Writes the answer to the socket as far as its send buffer takes it. An
    // answer nearly always fits, and then costs no round through the
    // io_context; the socket is non-blocking, so what does not fit is left
    // to write_rest().
    Sent write_now(const Response& response, bool head, bool keep_alive) {
        // The room a large answer took is not kept for the next one (nor
        // long: an idle connection ends after read_timeout).
        if (wire_.capacity() > kept_wire_room) {
            std::string().swap(wire_);
        }
        write_wire_form(response, head, keep_alive, wire_);
        boost::system::error_code ec;
        std::size_t written = 0;
        while (written < wire_.size()) {
            written += socket_.write_some(
                asio::buffer(wire_.data() + written, wire_.size() - written), ec);
            if (ec) {
                break;
            }
        }
        if (ec == asio::error::would_block) {
            written_ = written;
            return Sent::partly;
        }
        return ec ? Sent::failed : Sent::all;
    }

    // What write_now() left (Sent::partly): whether it was written before
    // its deadline.
    asio::awaitable<bool> write_rest() {
        deadline_ = Clock::now() + server_.options_.read_timeout;
        auto [ec, n] = co_await asio::async_write(
            socket_, asio::buffer(wire_.data() + written_, wire_.size() - written_), use_tuple);
        deadline_ = Clock::time_point::max();
        co_return !ec;
    }

    tcp::socket socket_;
    Server& server_;
    RequestContext context_;
    std::string wire_;         // the answer being written (write_wire_form)
    std::size_t written_ = 0;  // how much of wire_ write_now() wrote, when not all
    static constexpr std::size_t kept_wire_room = 64 * 1024;
    bool idle_ = false;
    Clock::time_point deadline_ = Clock::time_point::max();
};

Server::Server(asio::io_context& ioc, ServerOptions options, Handler handler,
               ServerObserver observer)
    : ioc_(ioc),
      options_(std::move(options)),
      handler_(std::move(handler)),
      observer_(std::move(observer)),
      acceptor_(asio::make_strand(ioc)),
      sweep_timer_(acceptor_.get_executor()) {}

Server::~Server() = default;

void Server::start() {
    acceptor_.open(options_.endpoint.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(options_.endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
    asio::co_spawn(acceptor_.get_executor(), sweep_loop(), asio::detached);
}

// A few times per read_timeout, every connection checks its deadline on its
// own executor, so a stalled one is cut off between read_timeout and 1.25
// read_timeout (at most a second late).
asio::awaitable<void> Server::sweep_loop() {
    const auto interval = std::clamp<std::chrono::steady_clock::duration>(
        options_.read_timeout / 4, std::chrono::milliseconds(10), std::chrono::seconds(1));
    while (!stopping_) {
        sweep_timer_.expires_after(interval);
        auto [ec] = co_await sweep_timer_.async_wait(use_tuple);
        if (ec || stopping_) {
            co_return;
        }
        const auto now = Session::Clock::now();
        std::lock_guard lock(sessions_mutex_);
        for (auto& [raw, weak] : sessions_) {
            if (auto session = weak.lock()) {
                asio::post(session->executor(), [session, now] { session->cancel_if_late(now); });
            }
        }
    }
}

tcp::endpoint Server::local_endpoint() const {
    return acceptor_.local_endpoint();
}

asio::awaitable<void> Server::accept_loop() {
    asio::steady_timer backoff(acceptor_.get_executor());
    while (!stopping_) {
        // A strand per connection only when several threads run the io_context.
        const auto executor = options_.io_threads > 1
                                  ? asio::any_io_executor(asio::make_strand(ioc_))
                                  : asio::any_io_executor(ioc_.get_executor());
        auto [ec, socket] = co_await acceptor_.async_accept(executor, use_tuple);
        if (ec == asio::error::operation_aborted || stopping_) {
            co_return;
        }
        if (ec) {
            // Out of file descriptors and the like: pause rather than spin.
            spdlog::warn("http: accept failed: {}", ec.message());
            backoff.expires_after(std::chrono::milliseconds(100));
            co_await backoff.async_wait(use_tuple);
            continue;
        }
        std::shared_ptr<Session> session;
        {
            std::lock_guard lock(sessions_mutex_);
            if (open_ < options_.max_connections) {
                session = std::make_shared<Session>(std::move(socket), *this);
                sessions_.emplace(session.get(), session);
                ++open_;
                // Under the lock, so that concurrent opens and closes reach
                // the gauge in the order they happened.
                if (observer_.on_connections_changed) {
                    observer_.on_connections_changed(open_);
                }
            }
        }
        if (!session) {
            if (observer_.on_connection_refused) {
                observer_.on_connection_refused();
            }
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        // The completion handler owns the session until its coroutine ends.
        asio::co_spawn(session->executor(), session->run(),
                       [this, session](const std::exception_ptr& error) {
                           if (error) {
                               try {
                                   std::rethrow_exception(error);
                               } catch (const std::exception& e) {
                                   spdlog::error("http: connection ended by {}", e.what());
                               }
                           }
                           forget(session.get());
                       });
    }
}

void Server::forget(Session* session) {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(session);
    --open_;
    if (observer_.on_connections_changed) {
        observer_.on_connections_changed(open_);
    }
}

void Server::stop() {
    if (stopping_.exchange(true)) {
        return;
    }
    asio::post(acceptor_.get_executor(), [this] {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        sweep_timer_.cancel();
    });
    std::lock_guard lock(sessions_mutex_);
    for (auto& [raw, weak] : sessions_) {
        if (auto session = weak.lock()) {
            asio::post(session->executor(), [session] { session->close_if_idle(); });
        }
    }
}

}  // namespace deliveryd::http
