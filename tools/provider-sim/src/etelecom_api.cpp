#include "etelecom_api.hpp"

#include <charconv>

#include <boost/json/parse.hpp>

#include "json_writer.hpp"
#include "rng.hpp"
#include "time_format.hpp"

namespace deliveryd::sim {
namespace {

namespace json = boost::json;

// Go's zero time.Time, which eTelecom prints for times not yet reached.
constexpr std::string_view zero_time = "0001-01-01T00:00:00Z";

std::string time_or_zero(std::optional<sim_time> t) {
    return t ? format_rfc3339(*t) : std::string(zero_time);
}

// Stable numeric ids (int64 as strings, protobuf JSON style) derived from the msg_id.
std::string numeric_id(std::string_view msg_id, std::uint64_t salt) {
    return std::to_string(1'000'000'000'000'000ULL +
                          hash_string(msg_id, salt) % 1'000'000'000'000ULL);
}

std::int64_t template_number(const std::string& id) {
    std::int64_t n = 0;
    auto [ptr, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
    return ec == std::errc{} && ptr == id.data() + id.size() ? n : 0;
}

std::optional<std::string> string_member(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (v->is_string()) {
        return std::string(v->get_string().data(), v->get_string().size());
    }
    if (v->is_int64()) {
        return std::to_string(v->get_int64());
    }
    if (v->is_uint64()) {
        return std::to_string(v->get_uint64());
    }
    return std::nullopt;
}

}  // namespace

json::object etelecom_message_body(const message& m, sim_time now) {
    auto v = view_at(m, now);
    const status_event* e = v.last;
    bool failed = v.label == state_label::failed;
    bool accepted = e != nullptr && !failed;
    std::optional<sim_time> event_time;
    if (e != nullptr) {
        event_time = m.submitted_at + e->at;
    }
    std::optional<sim_time> updated = event_time;
    if (v.delivered) {
        updated = m.delivered_at();
    }
    zalo_error err = failed && e->error ? *e->error : zalo_error{};

    json::object o;
    o["campaign_id"] = "";
    o["created_at"] = format_rfc3339(m.submitted_at);
    o["delivery_status"] = v.delivered ? "received" : "unknown";
    o["delivery_time"] = time_or_zero(v.delivered ? m.delivered_at() : std::nullopt);
    o["enable_sms_on_zns_failure"] = m.sms.has_value();
    o["error_code"] = err.code;
    o["error_message"] = err.message;
    o["fee_main"] = accepted ? static_cast<std::int64_t>(m.price) : 0;
    o["fee_token"] = 0;
    o["feedback"] = json::array{};
    o["id"] = numeric_id(m.sms_id, 1);
    o["is_charged"] = accepted;
    o["journey_id"] = "";
    o["msg_id"] = m.sms_id;
    o["note"] = "";
    o["oa_id"] = m.oa_id;
    o["phone"] = m.phone;
    o["rate"] = 0;
    o["sent_time"] = time_or_zero(event_time);
    o["shop_id"] = numeric_id(m.oa_id, 2);
    if (m.sms && failed) {
        bool done = now >= m.submitted_at + m.sms->at;
        o["sms"] = json::object{
            {"brandname", m.sms->brandname},
            {"code", ""},
            {"description", ""},
            {"message", "Ma xac thuc cua ban la 123456"},
            {"request_time", time_or_zero(event_time)},
            {"send_time",
             time_or_zero(done ? std::optional(m.submitted_at + m.sms->at) : std::nullopt)},
            {"status", done ? m.sms->status : std::string("pending")},
            {"status_description",
             done ? m.sms->status_description : std::string("Waiting to send")},
            {"unicode", false}};
    }
    o["status"] = "P";
    o["submit_time"] = zero_time;
    o["template_data"] =
        json::object{{"customer_name", "Nguyen Van A"}, {"order_code", m.sms_id.substr(0, 8)}};
    o["template_id"] = template_number(m.template_id);
    o["timeout"] = 0;
    o["tracking_id"] = "sim-" + m.sms_id;
    o["type"] = "template";
    o["updated_at"] = time_or_zero(updated ? updated : m.submitted_at);
    o["user_id"] = numeric_id(m.oa_id, 3);
    o["zl_user_id"] = "";
    return o;
}

http_response twirp_error(const http_request& req, http::status status, std::string_view code,
                          std::string_view msg) {
    return json_response(req, status, write_json(json::object{{"code", code}, {"msg", msg}}));
}

http_response handle_etelecom_get_message(api_context& ctx, const http_request& req, api_time now) {
    constexpr auto ep = endpoint::etelecom_message;
    constexpr std::string_view bearer = "Bearer ";
    auto auth = req[http::field::authorization];
    if (auth.substr(0, bearer.size()) != bearer ||
        auth.substr(bearer.size()) != ctx.creds.etelecom_key) {
        ++ctx.stats.auth_failures[static_cast<std::size_t>(ep)];
        return twirp_error(req, http::status::unauthorized, "unauthenticated",
                           "invalid or missing api key");
    }
    if (!ctx.limiter.arrive(ep, ctx.creds.etelecom_key, now.steady)) {
        return twirp_error(req, http::status::too_many_requests, "resource_exhausted",
                           "rate limit exceeded");
    }
    auto content_type = req[http::field::content_type];
    if (content_type.substr(0, 16) != "application/json") {
        ++ctx.stats.bad_requests[static_cast<std::size_t>(ep)];
        return twirp_error(req, http::status::not_found, "bad_route",
                           "unexpected Content-Type: \"" + std::string(content_type) + "\"");
    }
    boost::system::error_code ec;
    auto body = json::parse(req.body(), ec);
    if (ec || !body.is_object()) {
        ++ctx.stats.bad_requests[static_cast<std::size_t>(ep)];
        return twirp_error(req, http::status::bad_request, "invalid_argument",
                           "the json request could not be decoded");
    }
    auto msg_id = string_member(body.get_object(), "msg_id").value_or("");
    if (msg_id.empty()) {
        ++ctx.stats.bad_requests[static_cast<std::size_t>(ep)];
        return twirp_error(req, http::status::bad_request, "invalid_argument",
                           "msg_id is required");
    }
    auto oa_id = string_member(body.get_object(), "oa_id");
    const message* m = ctx.store.find(msg_id);
    if (m == nullptr || m->provider != provider_kind::etelecom || m->submitted_at > now.sim ||
        (oa_id && !oa_id->empty() && *oa_id != m->oa_id)) {
        return twirp_error(req, http::status::not_found, "not_found", "message not found");
    }
    return json_response(req, http::status::ok, write_json(etelecom_message_body(*m, now.sim)));
}

}  // namespace deliveryd::sim
