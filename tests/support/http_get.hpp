// A plain blocking HTTP/1.1 client for tests, on 127.0.0.1 only.
#pragma once

#include <chrono>
#include <string>

namespace deliveryd::testing {

struct HttpResult {
    int status = 0;  // 0 when the connection failed
    std::string body;
};

[[nodiscard]] HttpResult http_get(unsigned short port, const std::string& target,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace deliveryd::testing
