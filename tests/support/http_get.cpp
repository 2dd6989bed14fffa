#include "support/http_get.hpp"

#include <cctype>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace deliveryd::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

HttpResult http_get(unsigned short port, const std::string& target,
                    std::chrono::milliseconds timeout) {
    return http_request(port, "GET", target, timeout);
}

HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                        std::chrono::milliseconds timeout) {
    return http_request(port, method, target, {}, timeout);
}

HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                        const std::map<std::string, std::string>& headers,
                        std::chrono::milliseconds timeout) {
    return http_request(port, method, target, headers, std::string(), timeout);
}

HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                        const std::map<std::string, std::string>& headers, const std::string& body,
                        std::chrono::milliseconds timeout) {
    // Asynchronous operations under one deadline: a test never hangs on a
    // server that does not answer.
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) {
        req.set(name, value);
    }
    if (!body.empty()) {
        req.body() = body;
        req.prepare_payload();
    }
    bhttp::response<bhttp::string_body> res;
    HttpResult result;

    stream.expires_after(timeout);
    stream.async_connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
        [&](beast::error_code ec) {
            if (ec) {
                return;
            }
            bhttp::async_write(stream, req, [&](beast::error_code wec, std::size_t) {
                if (wec) {
                    return;
                }
                bhttp::async_read(stream, buffer, res, [&](beast::error_code rec, std::size_t) {
                    if (!rec) {
                        result.status = res.result_int();
                        result.body = res.body();
                        for (const auto& field : res) {
                            std::string name(field.name_string());
                            for (auto& c : name) {
                                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                            }
                            result.headers[name] = std::string(field.value());
                        }
                    }
                });
            });
        });
    ioc.run_for(timeout + std::chrono::milliseconds(100));
    return result;
}

int raw_exchange(unsigned short port, const std::string& bytes, std::chrono::milliseconds timeout) {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    int status = 0;
    stream.expires_after(timeout);
    stream.async_connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
        [&](beast::error_code ec) {
            if (ec) {
                return;
            }
            asio::async_write(stream, asio::buffer(bytes), [&](beast::error_code, std::size_t) {
                // Read the answer even if the server closed its side early.
                bhttp::async_read(stream, buffer, res, [&](beast::error_code rec, std::size_t) {
                    if (!rec) {
                        status = res.result_int();
                    }
                });
            });
        });
    ioc.run_for(timeout + std::chrono::milliseconds(100));
    return status;
}

}  // namespace deliveryd::testing
