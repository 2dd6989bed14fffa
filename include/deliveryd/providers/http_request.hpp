// A provider API call as plain data, built by the provider modules (no I/O)
// and sent by the HTTP client as is. Holds the credentials in `url` or
// `headers` or `body`: never log a whole HttpRequest.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace deliveryd::providers {

enum class HttpMethod {
    get,   // eSMS GetSendStatus
    post,  // eSMS GetCallback, GetZaloMessageStatus; eTelecom GetMessage
};

struct HttpRequest {
    HttpMethod method = HttpMethod::get;
    std::string url;  // absolute: scheme, host, path and, for GET, the encoded query
    std::vector<std::pair<std::string, std::string>> headers;  // name, value; in sending order
    std::string body;                                          // empty for GET

    friend bool operator==(const HttpRequest&, const HttpRequest&) = default;
};

// "GET" / "POST".
[[nodiscard]] constexpr const char* to_string(HttpMethod method) noexcept {
    return method == HttpMethod::get ? "GET" : "POST";
}

}  // namespace deliveryd::providers
