// The answer a route gives one request: status, body, the kind of body, and
// any further header fields. The server adds Content-Length and, when the
// connection ends with this answer, "Connection: close".
//
// deliveryd's own rather than Beast's message: a callback's answer is a
// status and a two-byte body, and building, reading and freeing Beast's
// header fields (an allocation each, Content-Length written as text) was
// nearly a tenth of the io thread's instructions per callback. An answer
// with no further fields allocates nothing.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

namespace deliveryd::http {

// What the body is; the server writes the Content-Type that goes with it.
enum class ContentType {
    none,             // no Content-Type (a redirect, say)
    plain_text,       // text/plain; charset=utf-8
    html,             // text/html; charset=utf-8
    json,             // application/json
    prometheus_text,  // the metrics exposition format, version 0.0.4
};

[[nodiscard]] std::string_view content_type_value(ContentType type) noexcept;

class Response {
  public:
    using Status = boost::beast::http::status;

    Response() = default;
    Response(Status status, ContentType type, std::string body = {})
        : status_(status), type_(type), body_(std::move(body)) {}

    [[nodiscard]] Status result() const noexcept { return status_; }
    [[nodiscard]] unsigned result_int() const noexcept { return static_cast<unsigned>(status_); }
    [[nodiscard]] ContentType content_type() const noexcept { return type_; }
    [[nodiscard]] const std::string& body() const noexcept { return body_; }
    [[nodiscard]] std::string& body() noexcept { return body_; }

    // Sets a header field, replacing one of the same name. Neither may hold
    // a line break: the value is the caller's to make safe. Content-Type,
    // Content-Length and Connection are the server's.
    void set(boost::beast::http::field name, std::string value);
    void set(std::string_view name, std::string value);
    // The value of a field set(), or empty.
    [[nodiscard]] std::string_view operator[](std::string_view name) const noexcept;
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& fields() const noexcept {
        return fields_;
    }

    // Ends the connection once this answer is written.
    void close_connection() noexcept { close_ = true; }
    [[nodiscard]] bool closes_connection() const noexcept { return close_; }

  private:
    Status status_ = Status::ok;
    ContentType type_ = ContentType::none;
    std::string body_;
    std::vector<std::pair<std::string, std::string>> fields_;
    bool close_ = false;
};

// The answer as it goes on the wire (HTTP/1.1), into `out`, whose room is
// kept: status line, Content-Type, the fields set, "Connection: close"
// unless `keep_alive`, Content-Length (of the body, also when `head` leaves
// the body out), and the body unless `head`. A 1xx, 204 or 304 answer goes
// without Content-Length and body.
void write_wire_form(const Response& response, bool head, bool keep_alive, std::string& out);

}  // namespace deliveryd::http
