#include "esms_api.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <tuple>

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include "error_info.hpp"
#include "json_fields.hpp"
#include "json_writer.hpp"
#include "time_format.hpp"

namespace deliveryd::sim {
namespace {

namespace json = boost::json;

std::optional<json::object> parse_object(std::string_view body) {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    return std::move(v.get_object());
}

// What eSMS answers a request it cannot read, as its API documentation shows it.
http_response invalid_request(api_context& ctx, endpoint e, const http_request& req) {
    ++ctx.stats.bad_requests[static_cast<std::size_t>(e)];
    return json_response(req, http::status::bad_request, R"({"error":"Invalid request"})");
}

bool visible_to(const message* m, const account& acc) {
    return m != nullptr && m->provider == provider_kind::esms && m->account == acc.name;
}

}  // namespace

json::object get_callback_entry(const message& m, const message_view& v,
                                std::string_view callback_url) {
    const status_event& e = *v.last;
    bool success = e.send_status == 5 && e.send_success > 0;
    json::object o;
    o["SMSID"] = m.sms_id;
    o["SendFailed"] = e.send_failed;
    o["SendSuccess"] = e.send_success;
    o["SendStatus"] = e.send_status;
    o["TotalPrice"] = total_price_of(m, e);
    o["TotalReceiver"] = m.total_receiver;
    o["TotalSent"] = total_sent_of(m, e);
    o["RequestId"] = nullptr;
    o["TypeId"] = m.type_id;
    o["Telcoid"] = m.telco_id;
    o["PhoneNumber"] = m.phone;
    o["CallbackUrl"] = callback_url;
    o["Partnerids"] = success ? m.partner_id : std::string();
    o["ErrorInfo"] = get_callback_error_info(m, e, v.delivered);
    o["OAId"] = m.oa_id;
    o["ZnsTempId"] = m.template_id;
    return o;
}

json::object send_status_body(const message& m, const message_view& v) {
    const status_event& e = *v.last;
    json::object o;
    o["CodeResponse"] = "100";
    o["SMSID"] = m.sms_id;
    o["SendFailed"] = e.send_failed;
    o["SendStatus"] = e.send_status;
    o["SendSuccess"] = e.send_success;
    o["TotalPrice"] = total_price_of(m, e);
    o["TotalReceiver"] = m.total_receiver;
    o["TotalSent"] = total_sent_of(m, e);
    return o;
}

json::object zalo_status_body(const message* m, sim_time now) {
    json::object data;
    data["delivery_time"] = nullptr;
    data["message"] = "The message does not exist";
    data["status"] = -1;
    if (m != nullptr) {
        auto v = view_at(*m, now);
        if (v.delivered) {
            data["delivery_time"] = std::to_string(m->delivered_at()->time_since_epoch().count());
            data["message"] = "The message was delivered to the user's phone";
            data["status"] = 1;
        } else if (v.label == state_label::sent) {
            data["message"] =
                "The message has been sent to Zalo server but not yet delivered to the user's "
                "phone";
            data["status"] = 0;
        }
    }
    return json::object{
        {"CodeResult", "100"}, {"Data", std::move(data)}, {"ErrorMessage", "success. "}};
}

json::object query_zns_status_data(const message& m, const message_view& v) {
    const status_event& e = *v.last;
    const bool sent = e.send_status == 5 && e.send_success > 0;
    json::object data;
    // "0" success; a Zalo code once it failed; null while not sent yet.
    if (e.send_status == 5) {
        data["ErrorInfo"] = e.error && e.error->code != 0 ? std::to_string(e.error->code) : "0";
    } else {
        data["ErrorInfo"] = nullptr;
    }
    data["FinalStatus"] = v.delivered || (e.send_status == 5 && !sent) ? 1 : 0;
    data["SMSID"] = m.sms_id;
    data["SendFailed"] = e.send_failed;
    data["SendStatus"] = e.send_status;
    data["SendSuccess"] = e.send_success;
    data["TotalPrice"] = total_price_of(m, e);
    data["TotalReceiver"] = m.total_receiver;
    data["TotalSent"] = total_sent_of(m, e);
    data["ZaloMsgId"] = sent ? json::value(m.partner_id) : json::value(nullptr);
    return data;
}

http_response handle_get_callback(api_context& ctx, const http_request& req, api_time now) {
    constexpr auto ep = endpoint::get_callback;
    auto body = parse_object(req.body());
    const json::value* list = body ? body->if_contains("ListRefid") : nullptr;
    if (!body || list == nullptr || !list->is_array()) {
        return invalid_request(ctx, ep, req);
    }
    ctx.stats.get_callback_ids.record(list->get_array().size());
    auto fail = [&](int code, std::string_view text) {
        json::object o{{"Code", code}, {"Message", text}, {"Data_callback", nullptr}};
        return json_response(req, http::status::ok, write_json(o));
    };
    const account* acc = ctx.creds.find(string_field(*body, "ApiKey").value_or(""),
                                        string_field(*body, "SecretKey").value_or(""));
    if (acc == nullptr) {
        ++ctx.stats.auth_failures[static_cast<std::size_t>(ep)];
        return fail(101, "Authorize Failed");
    }
    if (!ctx.limiter.arrive(ep, acc->api_key, now.steady, req[http::field::user_agent])) {
        return fail(160, "TPS exceeded");
    }
    auto oa_id = string_field(*body, "OAId").value_or("");
    json::array data;
    std::set<std::string_view> seen;
    std::size_t considered = 0;
    for (const auto& id : list->get_array()) {
        if (considered++ == get_callback_max_ids) {
            break;  // "Only 200 first message will be returned"
        }
        if (!id.is_string() || !seen.insert(str(id.get_string())).second) {
            continue;
        }
        const message* m = ctx.store.find(str(id.get_string()));
        if (!visible_to(m, *acc) || !m->callback || m->oa_id != oa_id) {
            continue;
        }
        auto v = view_at(*m, now.sim);
        if (v.last == nullptr) {
            continue;  // no callback stored yet
        }
        data.push_back(get_callback_entry(*m, v, ctx.callback_url));
    }
    json::object o{{"Code", 100}, {"Message", "Success"}, {"Data_callback", std::move(data)}};
    return json_response(req, http::status::ok, write_json(o));
}

http_response handle_get_send_status(api_context& ctx, const http_request& req, api_time now) {
    constexpr auto ep = endpoint::get_send_status;
    auto url = boost::urls::parse_origin_form(req.target());
    if (!url) {
        return invalid_request(ctx, ep, req);
    }
    auto params = url->params();
    auto param = [&](std::string_view key) -> std::string {
        auto it = params.find(key);
        return it == params.end() ? std::string() : std::string((*it).value);
    };
    auto ref_id = param("RefId");
    auto answer = [&](std::string_view code) {
        json::object o{{"CodeResponse", code}, {"SMSID", ref_id}};
        return json_response(req, http::status::ok, write_json(o));
    };
    const account* acc = ctx.creds.find(param("ApiKey"), param("SecretKey"));
    if (acc == nullptr) {
        ++ctx.stats.auth_failures[static_cast<std::size_t>(ep)];
        return answer("101");
    }
    if (!ctx.limiter.arrive(ep, acc->api_key, now.steady, req[http::field::user_agent])) {
        return answer("160");
    }
    auto unknown = [&] {
        ++ctx.stats.send_status_unknown_ids;
        return answer(ctx.unknown_id == unknown_id_answer::code_101 ? "101" : "105");
    };
    const message* m = ctx.store.find(ref_id);
    if (!visible_to(m, *acc)) {
        return unknown();
    }
    auto v = view_at(*m, now.sim);
    // Just-sent ids are not queryable yet, and only the last 7 days are kept.
    if (v.last == nullptr || now.sim - m->submitted_at > std::chrono::days(7)) {
        return unknown();
    }
    return json_response(req, http::status::ok, write_json(send_status_body(*m, v)));
}

http_response handle_zalo_status(api_context& ctx, const http_request& req, api_time now) {
    constexpr auto ep = endpoint::zalo_status;
    auto body = parse_object(req.body());
    if (!body) {
        return invalid_request(ctx, ep, req);
    }
    auto fail = [&](std::string_view code, std::string_view text) {
        json::object o{{"CodeResult", code}, {"ErrorMessage", text}};
        return json_response(req, http::status::ok, write_json(o));
    };
    const account* acc = ctx.creds.find(string_field(*body, "ApiKey").value_or(""),
                                        string_field(*body, "SecretKey").value_or(""));
    if (acc == nullptr) {
        ++ctx.stats.auth_failures[static_cast<std::size_t>(ep)];
        return fail("101", "Authorize Failed");
    }
    if (!ctx.limiter.arrive(ep, acc->api_key, now.steady, req[http::field::user_agent])) {
        return fail("160", "TPS exceeded");
    }
    auto message_id = string_field(*body, "MessageId").value_or("");
    if (message_id.empty()) {
        return fail("851", "MessageId is required");
    }
    const message* m = ctx.store.find_partner(message_id);
    if (!visible_to(m, *acc) || m->oa_id != string_field(*body, "OAID").value_or("")) {
        m = nullptr;
    }
    return json_response(req, http::status::ok, write_json(zalo_status_body(m, now.sim)));
}

http_response handle_query_zns_status(api_context& ctx, const http_request& req, api_time now) {
    constexpr auto ep = endpoint::query_zns_status;
    auto body = parse_object(req.body());
    if (!body) {
        return invalid_request(ctx, ep, req);
    }
    auto answer = [&](std::string_view code, std::string_view text, json::value data) {
        json::object o{{"CodeResult", code}, {"ErrorMessage", text}, {"Data", std::move(data)}};
        return json_response(req, http::status::ok, write_json(o));
    };
    const account* acc = ctx.creds.find(string_field(*body, "ApiKey").value_or(""),
                                        string_field(*body, "SecretKey").value_or(""));
    if (acc == nullptr) {
        ++ctx.stats.auth_failures[static_cast<std::size_t>(ep)];
        return answer("101", "Authorize Failed", nullptr);
    }
    if (!ctx.limiter.arrive(ep, acc->api_key, now.steady, req[http::field::user_agent])) {
        return answer("160", "TPS exceeded", nullptr);
    }
    auto sms_id = string_field(*body, "SmsId").value_or("");
    if (sms_id.empty()) {
        return answer("851", "SMSID is required", nullptr);
    }
    auto sms_type = string_field(*body, "SmsType").value_or("");
    if (sms_type != "24" && sms_type != "25") {
        return answer("118", "SmsType must be 24 or 25", nullptr);
    }
    const message* m = ctx.store.find(sms_id);
    if (!visible_to(m, *acc) || std::to_string(m->type_id) != sms_type) {
        return answer("854", "No data found", nullptr);
    }
    auto v = view_at(*m, now.sim);
    if (v.last == nullptr || now.sim - m->submitted_at > std::chrono::days(7)) {
        return answer("854", "No data found", nullptr);
    }
    return answer("100", "Success", query_zns_status_data(*m, v));
}

// The listing's order: creation time, then SMSID (eSMS documents none).
http_response handle_sms_sent_data(api_context& ctx, const http_request& req, api_time now) {
    constexpr auto ep = endpoint::sms_sent_data;
    auto body = parse_object(req.body());
    if (!body) {
        return invalid_request(ctx, ep, req);
    }
    auto fail = [&](std::string_view code, std::string_view text) {
        json::object o{{"CodeResult", code}, {"ErrorMessage", text}};
        return json_response(req, http::status::ok, write_json(o));
    };
    const account* acc = ctx.creds.find(string_field(*body, "ApiKey").value_or(""),
                                        string_field(*body, "SecretKey").value_or(""));
    if (acc == nullptr) {
        ++ctx.stats.auth_failures[static_cast<std::size_t>(ep)];
        return fail("101", "Authorize Failed");
    }
    if (!ctx.limiter.arrive(ep, acc->api_key, now.steady, req[http::field::user_agent])) {
        return fail("160", "TPS exceeded");
    }
    const auto from = parse_vn_local(string_field(*body, "From").value_or(""));
    const auto to = parse_vn_local(string_field(*body, "To").value_or(""));
    const auto type = string_field(*body, "SmsType").value_or("");
    const auto page = std::atoi(string_field(*body, "Page").value_or("1").c_str());
    const auto size = std::atoi(string_field(*body, "PageSize").value_or("500").c_str());
    if (!from || !to || type.empty() || page < 1 || size < 1) {
        return invalid_request(ctx, ep, req);
    }
    std::vector<const message*> listed;
    for (const auto& m : ctx.store.all()) {
        if (visible_to(&m, *acc) && std::to_string(m.type_id) == type && m.submitted_at >= *from &&
            m.submitted_at <= *to && view_at(m, now.sim).last) {
            listed.push_back(&m);
        }
    }
    std::sort(listed.begin(), listed.end(), [](const message* a, const message* b) {
        return std::tie(a->submitted_at, a->sms_id) < std::tie(b->submitted_at, b->sms_id);
    });
    const auto per_page = static_cast<std::size_t>(std::min(size, 500));
    const auto first = static_cast<std::size_t>(page - 1) * per_page;
    json::array data;
    for (auto i = first; i < listed.size() && i < first + per_page; ++i) {
        const message& m = *listed[i];
        const auto v = view_at(m, now.sim);
        const status_event& e = *v.last;
        json::object o;
        o["Campaign"] = "API";
        o["Content"] = "Simulated message text";
        o["Phone"] = m.phone;
        o["ReferenceId"] = m.sms_id;
        o["SellPrice"] = total_price_of(m, e);
        o["SendResult"] = e.send_status != 5 ? 2 : (e.send_success > 0 ? 1 : 0);
        o["SendStatus"] = e.send_status;
        o["SentTime"] = format_wcf_date(m.submitted_at + e.at);
        o["SmsId"] = static_cast<std::int64_t>(29'000'000 + (listed[i] - ctx.store.all().data()));
        o["SmsType"] = m.type_id;
        data.push_back(std::move(o));
    }
    ++ctx.stats.sent_data_pages;
    json::object o{{"CodeResult", "100"},
                   {"CountTotal", static_cast<std::int64_t>(listed.size())},
                   {"SentData", std::move(data)}};
    return json_response(req, http::status::ok, write_json(o));
}

}  // namespace deliveryd::sim
