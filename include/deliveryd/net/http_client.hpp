// An asynchronous HTTP client for the providers' status APIs: libcurl's multi
// interface driven by Asio (curl_multi_socket_action with Asio descriptors
// and a timer), so any number of calls can be in flight on one thread, with
// connection reuse, a per-request timeout and TLS verification on.
//
// Thread-safe: fetch() may be called from any executor; all curl work runs on
// the client's own strand and the caller resumes on its own executor.
// Requests hold credentials: neither the URL nor the body of a request ever
// appears in a Result's error text.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "deliveryd/providers/http_request.hpp"

namespace deliveryd::net {

struct HttpClientOptions {
    std::chrono::milliseconds timeout{10'000};  // whole request, connect included
    std::chrono::milliseconds connect_timeout{3'000};
    long max_connections_per_host = 32;
    long max_connections = 128;
    std::size_t max_body_bytes = 8 * 1024 * 1024;  // larger answers fail as `other`
    bool verify_tls = true;                        // off only for tests against self-signed
    // Sent as `User-Agent: deliveryd/<version> (<client_name>)`, so that the
    // provider (and the simulator) can tell replicas apart; none when empty.
    std::string client_name{};
};

// Why a call produced no HTTP answer.
enum class HttpFailure {
    none,       // an answer arrived (any status code)
    timeout,    // no complete answer within the timeout
    connect,    // could not resolve or connect
    tls,        // TLS handshake or certificate problem
    transfer,   // connection broke while sending or receiving
    cancelled,  // the client stopped
    other,      // anything else (too large, bad URL, ...)
};

struct HttpResult {
    HttpFailure failure = HttpFailure::none;
    std::string error;  // curl's reason when failure != none; never the URL or body
    int status = 0;     // HTTP status when failure == none
    std::string body;
};

class HttpClient {
  public:
    HttpClient(boost::asio::any_io_executor executor, HttpClientOptions options = {});
    ~HttpClient();  // stops, completing calls still in flight with `cancelled`
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Told the moment the request is handed to its connection (after any
    // connect and TLS handshake): when it really leaves, which a rate limit
    // counts. Called at most once per fetch, on the client's strand, so it
    // must only hand the time on (post it) and must not throw.
    using SentHook = std::function<void(std::chrono::steady_clock::time_point)>;

    [[nodiscard]] boost::asio::awaitable<HttpResult> fetch(providers::HttpRequest request,
                                                           SentHook on_sent = {});

    // Completes every call in flight with `cancelled`; later calls fail at once.
    void stop();

    [[nodiscard]] std::size_t in_flight() const noexcept;

    class Impl;  // the curl and Asio machinery; public only for the .cpp's helpers

  private:
    std::shared_ptr<Impl> impl_;
};

[[nodiscard]] const char* to_string(HttpFailure failure) noexcept;

}  // namespace deliveryd::net
