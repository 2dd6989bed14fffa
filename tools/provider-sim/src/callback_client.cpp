#include "callback_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

namespace deliveryd::sim {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

}  // namespace

std::optional<callback_target> parse_callback_url(std::string_view url) {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed || parsed->scheme() != "http" || !parsed->has_authority() ||
        parsed->encoded_host().empty()) {
        return std::nullopt;
    }
    callback_target t;
    t.host = parsed->host_address();
    if (parsed->has_port()) {
        t.port = parsed->port();
    }
    t.path = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
    if (parsed->has_query()) {
        t.query = parsed->encoded_query();
    }
    return t;
}

std::string callback_request_target(const callback_target& t, const std::string& query) {
    std::string target = t.path;
    target += '?';
    if (!t.query.empty()) {
        target += t.query;
        target += '&';
    }
    target += query;
    return target;
}

asio::awaitable<bool> send_callback(const callback_target& t, std::string target,
                                    milliseconds timeout) {
    auto executor = co_await asio::this_coro::executor;
    beast::tcp_stream stream(executor);
    stream.expires_after(timeout);
    tcp::resolver resolver(executor);
    auto [rec, results] = co_await resolver.async_resolve(t.host, t.port, use_nothrow);
    if (rec) {
        co_return false;
    }
    auto [cec, connected] = co_await stream.async_connect(results, use_nothrow);
    if (cec) {
        co_return false;
    }
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, t.host + ":" + t.port);
    req.set(http::field::user_agent, "provider-sim eSMS-callback");
    req.keep_alive(false);
    auto [wec, written] = co_await http::async_write(stream, req, use_nothrow);
    if (wec) {
        co_return false;
    }
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    auto [rdec, read] = co_await http::async_read(stream, buffer, res, use_nothrow);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return !rdec && res.result_int() >= 200 && res.result_int() < 300;
}

}  // namespace deliveryd::sim
