#include "deliveryd/http/response.hpp"

#include <algorithm>
#include <charconv>

#include <boost/beast/core/string.hpp>

namespace deliveryd::http {

namespace bhttp = boost::beast::http;

std::string_view content_type_value(ContentType type) noexcept {
    switch (type) {
        case ContentType::none:
            break;
        case ContentType::plain_text:
            return "text/plain; charset=utf-8";
        case ContentType::html:
            return "text/html; charset=utf-8";
        case ContentType::json:
            return "application/json";
        case ContentType::prometheus_text:
            return "text/plain; version=0.0.4; charset=utf-8";
    }
    return {};
}

void Response::set(bhttp::field name, std::string value) {
    set(bhttp::to_string(name), std::move(value));
}

void Response::set(std::string_view name, std::string value) {
    const auto same = std::find_if(fields_.begin(), fields_.end(), [&](const auto& field) {
        return boost::beast::iequals(field.first, name);
    });
    if (same != fields_.end()) {
        same->second = std::move(value);
    } else {
        fields_.emplace_back(std::string(name), std::move(value));
    }
}

std::string_view Response::operator[](std::string_view name) const noexcept {
    for (const auto& [field, value] : fields_) {
        if (boost::beast::iequals(field, name)) {
            return value;
        }
    }
    return {};
}

namespace {

void append_number(std::string& out, std::size_t number) {
    char digits[20];
    const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
    out.append(digits, end);
}

}  // namespace

void write_wire_form(const Response& response, bool head, bool keep_alive, std::string& out) {
    const std::string_view reason = bhttp::obsolete_reason(response.result());
    const std::string_view type = content_type_value(response.content_type());
    // These statuses carry no body and no Content-Length (RFC 9110, 8.6).
    const unsigned status = response.result_int();
    const bool bodiless = status < 200 || status == 204 || status == 304;
    const std::string_view body =
        head || bodiless ? std::string_view{} : std::string_view(response.body());
    std::size_t size = 96 + reason.size() + type.size() + body.size();
    for (const auto& [name, value] : response.fields()) {
        size += name.size() + value.size() + 4;
    }
    out.clear();
    out.reserve(size);
    out += "HTTP/1.1 ";
    append_number(out, status);
    out += ' ';
    out += reason;
    out += "\r\n";
    if (!type.empty()) {
        out += "Content-Type: ";
        out += type;
        out += "\r\n";
    }
    for (const auto& [name, value] : response.fields()) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    if (!keep_alive) {
        out += "Connection: close\r\n";
    }
    if (!bodiless) {
        out += "Content-Length: ";
        append_number(out, response.body().size());
        out += "\r\n";
    }
    out += "\r\n";
    out += body;
}

}  // namespace deliveryd::http
