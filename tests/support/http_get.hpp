// A plain blocking HTTP/1.1 client for tests, on 127.0.0.1 only.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace deliveryd::testing {

struct HttpResult {
    int status = 0;  // 0 when the connection failed
    std::string body;
    std::map<std::string, std::string> headers;  // names in lower case; the last of repeats
};

[[nodiscard]] HttpResult http_get(unsigned short port, const std::string& target,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace deliveryd::testing

namespace deliveryd::testing {

// Any method and target, sent as given (no encoding applied).
[[nodiscard]] HttpResult http_request(unsigned short port, const std::string& method,
                                      const std::string& target,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
// With these request headers (name, value) added.
[[nodiscard]] HttpResult http_request(unsigned short port, const std::string& method,
                                      const std::string& target,
                                      const std::map<std::string, std::string>& headers,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

// With these request headers and this request body.
[[nodiscard]] HttpResult http_request(unsigned short port, const std::string& method,
                                      const std::string& target,
                                      const std::map<std::string, std::string>& headers,
                                      const std::string& body,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Writes `bytes` as they are and returns the status of the answer (0 if none
// came before `timeout` or the connection closed first).
[[nodiscard]] int raw_exchange(unsigned short port, const std::string& bytes,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace deliveryd::testing
