#include "etelecom_api.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <tuple>
#include <vector>

#include <boost/json/parse.hpp>

#include "json_fields.hpp"
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

// Lowercase, as ListMessages' cursors are written.
constexpr std::string_view hex_digits = "0123456789abcdef";

// The whole of `text` as a decimal integer, or nullopt.
std::optional<std::int64_t> whole_number(std::string_view text) {
    std::int64_t n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || ptr != text.data() + text.size()) {
        return std::nullopt;
    }
    return n;
}

std::int64_t template_number(const std::string& id) {
    return whole_number(id).value_or(0);
}

// etelecom_updated_at from a view already taken (the body needs the view too).
sim_time updated_at(const message& m, const message_view& v) {
    if (v.delivered) {
        return *m.delivered_at();
    }
    if (v.last != nullptr) {
        return m.submitted_at + v.last->at;
    }
    return m.submitted_at;
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
    o["updated_at"] = format_rfc3339(updated_at(m, v));
    o["user_id"] = numeric_id(m.oa_id, 3);
    o["zl_user_id"] = "";
    return o;
}

sim_time etelecom_updated_at(const message& m, sim_time now) {
    return updated_at(m, view_at(m, now));
}

http_response twirp_error(const http_request& req, http::status status, std::string_view code,
                          std::string_view msg) {
    return json_response(req, status, write_json(json::object{{"code", code}, {"msg", msg}}));
}

std::string encode_list_cursor(const list_position& p) {
    const std::string text = std::to_string(p.micros) + "|" + p.msg_id;
    std::string hex;
    hex.reserve(text.size() * 2);
    for (const unsigned char c : text) {
        const unsigned byte = c;
        hex += hex_digits[byte / 16];
        hex += hex_digits[byte % 16];
    }
    return hex;
}

std::optional<list_position> decode_list_cursor(std::string_view cursor) {
    if (cursor.size() % 2 != 0) {
        return std::nullopt;
    }
    std::string text;
    for (std::size_t i = 0; i < cursor.size(); i += 2) {
        unsigned byte = 0;
        const char* pair = cursor.data() + i;
        auto [ptr, ec] = std::from_chars(pair, pair + 2, byte, 16);
        if (ec != std::errc{} || ptr != pair + 2) {
            return std::nullopt;
        }
        text += static_cast<char>(byte);
    }
    const auto bar = text.find('|');
    if (bar == std::string::npos) {
        return std::nullopt;
    }
    auto micros = whole_number(std::string_view(text).substr(0, bar));
    if (!micros) {
        return std::nullopt;
    }
    return list_position{*micros, text.substr(bar + 1)};
}

namespace {

http_response invalid_argument(api_context& ctx, endpoint ep, const http_request& req,
                               std::string_view msg) {
    ++ctx.stats.bad_requests[static_cast<std::size_t>(ep)];
    return twirp_error(req, http::status::bad_request, "invalid_argument", msg);
}

// What every eTelecom call goes through before its fields are read, in this
// order: key, rate limit, Content-Type, JSON body. Returns the refusal, or
// nothing with the request object in `body`.
std::optional<http_response> check_call(api_context& ctx, const http_request& req, endpoint ep,
                                        api_time now, json::object& body) {
    constexpr std::string_view bearer = "Bearer ";
    auto auth = req[http::field::authorization];
    if (auth.substr(0, bearer.size()) != bearer ||
        auth.substr(bearer.size()) != ctx.creds.etelecom_key) {
        ++ctx.stats.auth_failures[static_cast<std::size_t>(ep)];
        return twirp_error(req, http::status::unauthorized, "unauthenticated",
                           "invalid or missing api key");
    }
    if (!ctx.limiter.arrive(ep, ctx.creds.etelecom_key, now.steady, req[http::field::user_agent])) {
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
    auto parsed = json::parse(req.body(), ec);
    if (ec || !parsed.is_object()) {
        return invalid_argument(ctx, ep, req, "the json request could not be decoded");
    }
    body = std::move(parsed.get_object());
    return std::nullopt;
}

// Which time ListMessages filters and orders on (filter.time_type).
enum class list_time {
    updated,    // updated_time (the default): the message object's updated_at
    submitted,  // request_time or submit_time: created_at
};

// Entries per page when paging.limit is absent or 0.
constexpr std::size_t default_list_limit = 20;

struct list_query {
    std::string oa_id;             // empty: every OA
    std::optional<sim_time> from;  // inclusive; none: no lower bound
    std::optional<sim_time> to;    // inclusive; none: no upper bound
    list_time time = list_time::updated;
    std::size_t limit = default_list_limit;
    std::optional<list_position> after;  // none: from the first entry
};

// Absent, null and "" all leave a field at its default: a protobuf JSON
// writer may leave a default value out, write it, or write null.
bool blank(const json::value* v) {
    return v == nullptr || v->is_null() || (v->is_string() && v->get_string().empty());
}

// `key` of the body as an object; absent or null leaves `out` empty.
bool read_section(const json::object& body, std::string_view key, json::object& out,
                  std::string& error) {
    const auto* v = body.if_contains(key);
    if (v == nullptr || v->is_null()) {
        return true;
    }
    if (!v->is_object()) {
        error = std::string(key) + ": expected an object";
        return false;
    }
    out = v->get_object();
    return true;
}

bool read_bound(const json::object& filter, std::string_view key, std::optional<sim_time>& out,
                std::string& error) {
    const auto* v = filter.if_contains(key);
    if (blank(v)) {
        return true;
    }
    if (v->is_string()) {
        out = parse_rfc3339(str(v->get_string()));
    }
    if (!out) {
        error = "filter." + std::string(key) + ": expected an RFC 3339 time";
        return false;
    }
    return true;
}

bool read_time_type(const json::object& filter, list_time& out, std::string& error) {
    const auto* v = filter.if_contains("time_type");
    if (blank(v)) {
        return true;
    }
    const auto name = v->is_string() ? str(v->get_string()) : std::string_view();
    // "unknown", the enum's zero value, asks for the default.
    if (name == "updated_time" || name == "unknown") {
        out = list_time::updated;
        return true;
    }
    if (name == "request_time" || name == "submit_time") {
        out = list_time::submitted;
        return true;
    }
    error = "filter.time_type: expected updated_time, request_time or submit_time";
    return false;
}

// Absent or 0 asks for the default; more than the server serves is cut down
// to its maximum rather than refused.
bool read_limit(const json::object& paging, std::size_t max_limit, std::size_t& out,
                std::string& error) {
    const auto* v = paging.if_contains("limit");
    std::optional<std::int64_t> asked;
    if (v == nullptr || v->is_null()) {
        asked = 0;
    } else if (v->is_int64()) {
        asked = v->get_int64();
    } else if (v->is_uint64()) {
        asked = std::numeric_limits<std::int64_t>::max();  // above any maximum
    } else if (v->is_string()) {
        asked = whole_number(str(v->get_string()));  // protobuf JSON may quote integers
    }
    if (!asked || *asked < 0) {
        error = "paging.limit: expected a non-negative integer";
        return false;
    }
    const std::uint64_t wanted =
        *asked == 0 ? default_list_limit : static_cast<std::uint64_t>(*asked);
    out = static_cast<std::size_t>(std::min<std::uint64_t>(wanted, max_limit));
    return true;
}

bool read_after(const json::object& paging, std::optional<list_position>& out, std::string& error) {
    const auto* v = paging.if_contains("after");
    if (blank(v)) {
        return true;
    }
    if (v->is_string()) {
        out = decode_list_cursor(str(v->get_string()));
    }
    if (!out) {
        error = "paging.after: not a cursor this server issued";
        return false;
    }
    return true;
}

bool read_list_query(const json::object& body, std::size_t max_limit, list_query& q,
                     std::string& error) {
    json::object filter;
    json::object paging;
    if (!read_section(body, "filter", filter, error) ||
        !read_section(body, "paging", paging, error)) {
        return false;
    }
    q.oa_id = string_field(filter, "oa_id").value_or("");
    return read_bound(filter, "date_from", q.from, error) &&
           read_bound(filter, "date_to", q.to, error) && read_time_type(filter, q.time, error) &&
           read_limit(paging, max_limit, q.limit, error) && read_after(paging, q.after, error);
}

// A message a query lists, at its place in the order.
struct listed {
    std::int64_t micros;  // the listed time
    const message* m;
};

bool in_order(const listed& a, const listed& b) {
    return std::tie(a.micros, a.m->sms_id) < std::tie(b.micros, b.m->sms_id);
}

std::string cursor_of(const listed& e) {
    return encode_list_cursor({e.micros, e.m->sms_id});
}

std::int64_t micros_since_epoch(sim_time t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

// Every message the query lists at `now` past its cursor, in no order. As for
// GetMessage, only eTelecom messages submitted by `now` exist. Times are
// taken at `now`, so a message that changed since the previous page moves to
// its new place (and may be listed twice).
std::vector<listed> list_entries(const message_store& store, const list_query& q, sim_time now) {
    std::vector<listed> out;
    for (const auto& m : store.all()) {
        if (m.provider != provider_kind::etelecom || m.submitted_at > now ||
            (!q.oa_id.empty() && m.oa_id != q.oa_id)) {
            continue;
        }
        const sim_time t =
            q.time == list_time::updated ? etelecom_updated_at(m, now) : m.submitted_at;
        if ((q.from && t < *q.from) || (q.to && t > *q.to)) {
            continue;
        }
        const listed e{micros_since_epoch(t), &m};
        if (q.after && std::tie(e.micros, m.sms_id) <= std::tie(q.after->micros, q.after->msg_id)) {
            continue;
        }
        out.push_back(e);
    }
    return out;
}

}  // namespace

http_response handle_etelecom_get_message(api_context& ctx, const http_request& req, api_time now) {
    constexpr auto ep = endpoint::etelecom_message;
    json::object body;
    if (auto refused = check_call(ctx, req, ep, now, body)) {
        return std::move(*refused);
    }
    auto msg_id = string_field(body, "msg_id").value_or("");
    if (msg_id.empty()) {
        return invalid_argument(ctx, ep, req, "msg_id is required");
    }
    auto oa_id = string_field(body, "oa_id");
    const message* m = ctx.store.find(msg_id);
    if (m == nullptr || m->provider != provider_kind::etelecom || m->submitted_at > now.sim ||
        (oa_id && !oa_id->empty() && *oa_id != m->oa_id)) {
        return twirp_error(req, http::status::not_found, "not_found", "message not found");
    }
    return json_response(req, http::status::ok, write_json(etelecom_message_body(*m, now.sim)));
}

http_response handle_etelecom_list_messages(api_context& ctx, const http_request& req,
                                            api_time now) {
    constexpr auto ep = endpoint::etelecom_list_messages;
    json::object body;
    if (auto refused = check_call(ctx, req, ep, now, body)) {
        return std::move(*refused);
    }
    list_query q;
    std::string error;
    if (!read_list_query(body, ctx.list_messages_max_limit, q, error)) {
        return invalid_argument(ctx, ep, req, error);
    }
    auto entries = list_entries(ctx.store, q, now.sim);
    // Only the page needs sorting; the rest only tells whether more follow.
    const std::size_t shown = std::min(entries.size(), q.limit);
    const auto page_end = entries.begin() + static_cast<std::ptrdiff_t>(shown);
    std::partial_sort(entries.begin(), page_end, entries.end(), in_order);
    json::array messages;
    for (auto it = entries.begin(); it != page_end; ++it) {
        messages.push_back(etelecom_message_body(*it->m, now.sim));
    }
    const std::string first = shown > 0 ? cursor_of(entries.front()) : std::string();
    const std::string last = shown > 0 ? cursor_of(entries[shown - 1]) : std::string();
    json::object paging{{"after", last},    {"before", first},
                        {"limit", q.limit}, {"next", entries.size() > shown ? last : std::string()},
                        {"prev", ""},       {"sort", "updated_at"}};
    ++ctx.stats.list_messages_pages;
    return json_response(
        req, http::status::ok,
        write_json(json::object{{"messages", std::move(messages)}, {"paging", std::move(paging)}}));
}

}  // namespace deliveryd::sim
