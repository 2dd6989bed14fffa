#include "test_support.hpp"

#include <fstream>
#include <sstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "asio_common.hpp"

namespace deliveryd::sim::test {
namespace {

namespace json = boost::json;
namespace beast = boost::beast;
using asio::ip::tcp;

std::string kind_name(const json::value& v) {
    switch (v.kind()) {
        case json::kind::null:
            return "null";
        case json::kind::bool_:
            return "bool";
        case json::kind::int64:
        case json::kind::uint64:
            return "integer";
        case json::kind::double_:
            return "double";
        case json::kind::string:
            return "string";
        case json::kind::array:
            return "array";
        case json::kind::object:
            return "object";
    }
    return "?";
}

void diff(const json::value& e, const json::value& a, const std::string& path,
          const std::set<std::string>& free_form, std::vector<std::string>& out) {
    if (kind_name(e) != kind_name(a)) {
        out.push_back(path + ": expected " + kind_name(e) + ", got " + kind_name(a));
        return;
    }
    if (free_form.contains(path)) {
        return;
    }
    if (e.is_object()) {
        for (const auto& kv : e.get_object()) {
            std::string child = path + "." + std::string(kv.key());
            if (const auto* av = a.get_object().if_contains(kv.key())) {
                diff(kv.value(), *av, child, free_form, out);
            } else {
                out.push_back(child + ": missing");
            }
        }
        for (const auto& kv : a.get_object()) {
            if (!e.get_object().contains(kv.key())) {
                out.push_back(path + "." + std::string(kv.key()) + ": unexpected");
            }
        }
    } else if (e.is_array() && !e.get_array().empty()) {
        for (const auto& item : a.get_array()) {
            diff(e.get_array().front(), item, path + "[]", free_form, out);
        }
    }
}

asio::awaitable<void> exchange(tcp::endpoint where, std::vector<http_request>* reqs,
                               std::vector<http_result>* out, std::chrono::milliseconds timeout) {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    stream.expires_after(timeout);
    auto [cec] = co_await stream.async_connect(where, use_nothrow);
    beast::flat_buffer buffer;
    for (auto& req : *reqs) {
        http_result r;
        r.ec = cec;
        if (!r.ec) {
            std::tie(r.ec, std::ignore) = co_await http::async_write(stream, req, use_nothrow);
        }
        if (!r.ec) {
            std::tie(r.ec, std::ignore) =
                co_await http::async_read(stream, buffer, r.response, use_nothrow);
        }
        out->push_back(std::move(r));
    }
}

}  // namespace

std::string read_data_file(const std::string& name) {
    std::ifstream in(std::string(SIM_TEST_DATA_DIR) + "/" + name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

json::value parse_json(std::string_view text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    return ec ? json::value(json::string("<invalid JSON>")) : v;
}

json::value data_json(const std::string& name) {
    return parse_json(read_data_file(name));
}

std::vector<std::string> structure_diff(const json::value& expected, const json::value& actual,
                                        const std::set<std::string>& free_form) {
    std::vector<std::string> out;
    diff(expected, actual, "$", free_form, out);
    return out;
}

::testing::AssertionResult same_structure(const json::value& expected, const json::value& actual,
                                          const std::set<std::string>& free_form) {
    auto diffs = structure_diff(expected, actual, free_form);
    if (diffs.empty()) {
        return ::testing::AssertionSuccess();
    }
    auto failure = ::testing::AssertionFailure();
    for (const auto& d : diffs) {
        failure << d << "\n";
    }
    return failure << "actual: " << json::serialize(actual);
}

std::vector<std::string> query_names(std::string_view query) {
    std::vector<std::string> names;
    std::size_t pos = 0;
    while (pos <= query.size()) {
        auto amp = query.find('&', pos);
        auto part = query.substr(pos, amp == std::string_view::npos ? amp : amp - pos);
        names.emplace_back(part.substr(0, part.find('=')));
        if (amp == std::string_view::npos) {
            break;
        }
        pos = amp + 1;
    }
    return names;
}

std::string query_value(std::string_view query, std::string_view name) {
    std::size_t pos = 0;
    while (pos <= query.size()) {
        auto amp = query.find('&', pos);
        auto part = query.substr(pos, amp == std::string_view::npos ? amp : amp - pos);
        auto eq = part.find('=');
        if (part.substr(0, eq) == name) {
            return eq == std::string_view::npos ? std::string() : std::string(part.substr(eq + 1));
        }
        if (amp == std::string_view::npos) {
            break;
        }
        pos = amp + 1;
    }
    return "<absent>";
}

http_request make_request(http::verb method, std::string target, std::string body,
                          std::string content_type) {
    http_request req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (method == http::verb::post) {
        req.set(http::field::content_type, content_type);
        req.body() = std::move(body);
    }
    req.keep_alive(true);
    req.prepare_payload();
    return req;
}

std::vector<http_result> http_calls_keep_alive(unsigned short port, std::vector<http_request> reqs,
                                               std::chrono::milliseconds timeout) {
    asio::io_context ioc;
    std::vector<http_result> out;
    tcp::endpoint where(asio::ip::make_address("127.0.0.1"), port);
    asio::co_spawn(ioc, exchange(where, &reqs, &out, timeout), asio::detached);
    ioc.run_for(timeout + 1000ms);
    while (out.size() < reqs.size()) {
        out.push_back({asio::error::timed_out, {}});
    }
    return out;
}

http_result http_call(unsigned short port, http_request req, std::chrono::milliseconds timeout) {
    std::vector<http_request> reqs;
    reqs.push_back(std::move(req));
    return http_calls_keep_alive(port, std::move(reqs), timeout).front();
}

struct receiver_access {
    static asio::awaitable<void> serve(callback_receiver* r, tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        stream.expires_after(5s);
        beast::flat_buffer buffer;
        http_request req;
        auto [ec, n] = co_await http::async_read(stream, buffer, req, use_nothrow);
        if (ec) {
            co_return;
        }
        int index = r->requests_++;
        {
            std::lock_guard lock(r->mutex_);
            r->targets_.emplace_back(req.target());
        }
        bool fail = index < r->fail_first_;
        if (fail && r->hang_on_fail_) {
            asio::steady_timer t(co_await asio::this_coro::executor, 3s);
            co_await t.async_wait(use_nothrow);
            co_return;
        }
        http_response res{fail ? http::status::internal_server_error : http::status::ok, 11};
        res.body() = fail ? "error" : "OK";
        res.keep_alive(false);
        res.prepare_payload();
        co_await http::async_write(stream, res, use_nothrow);
    }

    static asio::awaitable<void> accept(callback_receiver* r) {
        for (;;) {
            auto [ec, socket] = co_await r->acceptor_.async_accept(use_nothrow);
            if (ec) {
                co_return;
            }
            asio::co_spawn(r->ioc_, serve(r, std::move(socket)), asio::detached);
        }
    }
};

callback_receiver::callback_receiver(int fail_first, bool hang_on_fail)
    : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
      fail_first_(fail_first),
      hang_on_fail_(hang_on_fail) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, receiver_access::accept(this), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
}

callback_receiver::~callback_receiver() {
    ioc_.stop();
    thread_.join();
}

std::vector<std::string> callback_receiver::targets() const {
    std::lock_guard lock(mutex_);
    return targets_;
}

bool run_until(asio::io_context& ioc, const std::function<bool()>& done,
               std::chrono::milliseconds deadline) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= end) {
            return false;
        }
        ioc.restart();
        ioc.run_for(10ms);
    }
    return true;
}

status_event event_at(std::int64_t at_ms, int send_status, int success, int failed,
                      std::optional<zalo_error> error) {
    status_event e;
    e.at = milliseconds(at_ms);
    e.send_status = send_status;
    e.send_success = success;
    e.send_failed = failed;
    e.error = std::move(error);
    return e;
}

message zns_message(std::string sms_id, std::string partner_id, sim_time submitted, int type_id) {
    message m;
    m.sms_id = std::move(sms_id);
    m.type_id = type_id;
    m.oa_id = "1397492183140006179";
    m.phone = "0901888484";
    m.template_id = "2056446";
    m.partner_id = std::move(partner_id);
    m.telco_id = 2;
    m.price = 200.0;
    m.submitted_at = submitted;
    return m;
}

}  // namespace deliveryd::sim::test
