#include "router.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include "esms_api.hpp"
#include "etelecom_api.hpp"
#include "json_writer.hpp"
#include "time_format.hpp"

namespace deliveryd::sim {
namespace {

namespace json = boost::json;

http_response text_response(const http_request& req, http::status status, std::string_view text) {
    http_response res{status, req.version()};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.keep_alive(req.keep_alive());
    res.body() = std::string(text);
    res.prepare_payload();
    return res;
}

json::value string_or_null(const std::string& s) {
    return s.empty() ? json::value(nullptr) : json::value(s);
}

json::object truth_entry(const message& m, sim_time now) {
    auto v = view_at(m, now);
    auto final_v = view_at(m, sim_time::max());
    const status_event* last = final_v.last;
    bool failed = final_label(m) == state_label::failed;
    bool has_success = false;
    for (const auto& e : m.timeline) {
        has_success = has_success || (e.send_status == 5 && e.send_success > 0);
    }
    json::object o;
    o["sms_id"] = m.sms_id;
    o["provider"] = to_string(m.provider);
    o["account"] = m.account;
    o["type_id"] =
        m.provider == provider_kind::esms ? json::value(m.type_id) : json::value(nullptr);
    o["oa_id"] = string_or_null(m.oa_id);
    o["state"] = to_string(v.label);
    o["is_final"] = is_final_for(m, v.label);
    o["final_state"] = to_string(final_label(m));
    o["error_code"] = failed && last->error ? json::value(last->error->code) : json::value(nullptr);
    o["error_message"] =
        failed && last->error ? json::value(last->error->message) : json::value(nullptr);
    o["partner_id"] = has_success ? string_or_null(m.partner_id) : json::value(nullptr);
    o["send_status"] = v.last ? json::value(v.last->send_status) : json::value(nullptr);
    auto delivered = m.delivered_at();
    o["delivered_at"] =
        v.delivered ? json::value(format_rfc3339(*delivered)) : json::value(nullptr);
    o["final_delivered_at"] =
        final_v.delivered ? json::value(format_rfc3339(*delivered)) : json::value(nullptr);
    o["callback"] = m.callback;
    o["submitted_at"] = format_rfc3339(m.submitted_at);
    return o;
}

routed_response sim_routes(sim_state& state, const http_request& req, std::string_view path,
                           api_time now) {
    auto json_ok = [&](const json::value& v) {
        return routed_response{json_response(req, http::status::ok, write_json(v)), std::nullopt};
    };
    bool get = req.method() == http::verb::get;
    bool post = req.method() == http::verb::post;
    if (path == "/healthz" && get) {
        return {text_response(req, http::status::ok, "ok\n"), std::nullopt};
    }
    if (path == "/sim/stats" && get) {
        return json_ok(stats_json(state, now.sim));
    }
    if (path == "/sim/stats/reset" && post) {
        state.stats.reset();
        state.limiter.reset();
        return json_ok(stats_json(state, now.sim));
    }
    if (path == "/sim/truth" && get) {
        return json_ok(truth_json(state, now.sim));
    }
    if (path == "/sim/messages" && get) {
        return json_ok(messages_json(state));
    }
    if (path == "/sim/faults" && get) {
        return json_ok(to_json(state.faults));
    }
    if (path == "/sim/faults" && post) {
        boost::system::error_code ec;
        auto update = json::parse(req.body(), ec);
        std::string problem =
            ec ? "invalid JSON: " + ec.message() : update_faults(state.faults, update);
        if (!problem.empty()) {
            return {json_response(req, http::status::bad_request,
                                  write_json(json::object{{"error", problem}})),
                    std::nullopt};
        }
        return json_ok(to_json(state.faults));
    }
    ++state.stats.not_found;
    return {text_response(req, http::status::not_found, "not found\n"), std::nullopt};
}

}  // namespace

json::object truth_json(const sim_state& state, sim_time now) {
    json::array list;
    for (const auto& m : state.store.all()) {
        list.push_back(truth_entry(m, now));
    }
    return json::object{{"sim_time", format_rfc3339(now)}, {"messages", std::move(list)}};
}

json::object messages_json(const sim_state& state) {
    json::array list;
    for (const auto& m : state.store.all()) {
        list.push_back(
            json::object{{"sms_id", m.sms_id},
                         {"provider", to_string(m.provider)},
                         {"account", m.account},
                         {"type_id", m.provider == provider_kind::esms ? json::value(m.type_id)
                                                                       : json::value(nullptr)},
                         {"oa_id", string_or_null(m.oa_id)},
                         {"phone", m.phone},
                         {"template_id", string_or_null(m.template_id)},
                         {"submitted_at", format_rfc3339(m.submitted_at)}});
    }
    return json::object{{"messages", std::move(list)}};
}

json::object stats_json(const sim_state& state, sim_time now) {
    auto o = stats_to_json(state.stats, state.limiter);
    auto& cb = o["callbacks"].as_object();
    cb["queued"] = state.callbacks_queued;
    cb["in_flight"] = state.callbacks_in_flight;
    cb["pending"] = state.store.callbacks_pending();
    cb["total"] = state.store.callbacks_total();
    o["sim_time"] = format_rfc3339(now);
    o["time_scale"] = state.time_scale;
    o["messages"] = state.store.all().size();
    return o;
}

routed_response route(sim_state& state, const http_request& req, api_time now) {
    auto url = boost::urls::parse_origin_form(req.target());
    if (!url) {
        return {text_response(req, http::status::bad_request, "bad target\n"), std::nullopt};
    }
    std::string_view path(url->encoded_path().data(), url->encoded_path().size());
    struct provider_route {
        std::string_view path;
        http::verb method;
        endpoint ep;
        http_response (*handler)(api_context&, const http_request&, api_time);
    };
    static constexpr provider_route routes[] = {
        {"/ZaloCallback/GetCallback", http::verb::post, endpoint::get_callback,
         handle_get_callback},
        {"/MainService.svc/json/GetSendStatus", http::verb::get, endpoint::get_send_status,
         handle_get_send_status},
        {"/MainService.svc/json/GetZaloMessageStatus", http::verb::post, endpoint::zalo_status,
         handle_zalo_status},
        {"/v1/shop.Zalo/GetMessage", http::verb::post, endpoint::etelecom_message,
         handle_etelecom_get_message},
        {"/MainService.svc/json/QueryZnsStatus/", http::verb::post, endpoint::query_zns_status,
         handle_query_zns_status},
        {"/MainService.svc/json/GetSmsSentData_V2", http::verb::post, endpoint::sms_sent_data,
         handle_sms_sent_data},
        {"/v1/shop.Zalo/ListMessages", http::verb::post, endpoint::etelecom_list_messages,
         handle_etelecom_list_messages},
    };
    for (const auto& r : routes) {
        if (path != r.path) {
            continue;
        }
        if (req.method() != r.method) {
            ++state.stats.bad_requests[static_cast<std::size_t>(r.ep)];
            auto res = text_response(req, http::status::method_not_allowed, "method not allowed\n");
            res.set(http::field::allow, http::to_string(r.method));
            return {std::move(res), std::nullopt};
        }
        auto ctx = state.context();
        return {r.handler(ctx, req, now), r.ep};
    }
    return sim_routes(state, req, path, now);
}

}  // namespace deliveryd::sim
