#include "api_types.hpp"

namespace deliveryd::sim {

const account* credentials::find(std::string_view api_key, std::string_view secret_key) const {
    for (const auto& a : esms) {
        if (a.api_key == api_key && a.secret_key == secret_key) {
            return &a;
        }
    }
    return nullptr;
}

http_response json_response(const http_request& req, http::status status, std::string body) {
    http_response res{status, req.version()};
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

}  // namespace deliveryd::sim
