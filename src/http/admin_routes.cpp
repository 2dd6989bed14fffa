#include "deliveryd/http/admin_routes.hpp"

#include <algorithm>
#include <charconv>
#include <memory>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include "deliveryd/core/error_meaning.hpp"
#include "deliveryd/core/masking.hpp"
#include "deliveryd/http/callback_route.hpp"

namespace deliveryd::http {

namespace bhttp = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr std::string_view messages_prefix = "/api/messages/";

Response json_response(bhttp::status status, const json::value& body) {
    Response res{status, 11};
    res.set(bhttp::field::content_type, "application/json");
    res.set(bhttp::field::cache_control, "no-store");
    res.body() = json::serialize(body);
    res.body() += '\n';
    return res;
}

Response error(bhttp::status status, std::string_view message) {
    return json_response(status, json::object{{"error", message}});
}

bool authorized(const Request& req, const std::string& token) {
    constexpr std::string_view scheme = "Bearer ";
    const auto header = req[bhttp::field::authorization];
    return header.starts_with(scheme) && constant_time_equal(token, header.substr(scheme.size()));
}

// The text of a string member, or empty.
std::string_view text_of(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

// Masks the phone number and Zalo user id columns of `o` and every written
// form of `forms` in its raw payload.
void mask(json::object& o, const std::vector<std::string>& forms) {
    for (const auto* key : {"phone", "zalo_user_id"}) {
        if (const auto value = text_of(o, key); !value.empty()) {
            o[key] = core::mask_identifier(value);
        }
    }
    if (const auto payload = text_of(o, "raw_payload"); !payload.empty()) {
        o["raw_payload"] = core::mask_forms(payload, forms);
    }
}

// Adds error_meaning, the error code in words, when the code has one.
void explain_error(json::object& o) {
    const auto* code = o.if_contains("error_code");
    if (code != nullptr && code->is_int64()) {
        if (const auto meaning = core::error_meaning(code->as_int64())) {
            o["error_meaning"] = *meaning;
        }
    }
}

json::value message_json(const store::MessageRecord& record, bool unmask) {
    auto row = json::parse(record.row).as_object();
    explain_error(row);
    json::array events;
    for (const auto& text : record.events) {
        auto event = json::parse(text).as_object();
        explain_error(event);
        events.push_back(std::move(event));
    }
    if (!unmask) {
        // Every number and id the row or any report names, in every form.
        std::set<std::string> identifiers;
        const auto collect = [&identifiers](const json::object& o) {
            for (const auto* key : {"phone", "zalo_user_id"}) {
                if (const auto value = text_of(o, key); !value.empty()) {
                    identifiers.emplace(value);
                }
            }
        };
        collect(row);
        for (const auto& e : events) {
            collect(e.as_object());
        }
        std::vector<std::string> forms;
        for (const auto& id : identifiers) {
            const auto written = core::written_forms(id);
            forms.insert(forms.end(), written.begin(), written.end());
        }
        std::stable_sort(forms.begin(), forms.end(),
                         [](const auto& a, const auto& b) { return a.size() > b.size(); });
        mask(row, forms);
        for (auto& e : events) {
            mask(e.as_object(), forms);
        }
    }
    return json::object{
        {"message", std::move(row)}, {"events", std::move(events)}, {"masked", !unmask}};
}

class AdminRoutes {
  public:
    explicit AdminRoutes(AdminRouteOptions options) : options_(std::move(options)) {}

    boost::asio::awaitable<Response> operator()(const Request& req, const RequestContext& ctx) {
        if (!authorized(req, options_.token)) {
            auto res = error(bhttp::status::unauthorized, "a valid bearer token is required");
            res.set(bhttp::field::www_authenticate, "Bearer realm=\"deliveryd-admin\"");
            co_return res;
        }
        const std::string target(req.target());
        const auto url = boost::urls::parse_origin_form(target);
        if (!url) {
            co_return error(bhttp::status::bad_request, "the request target cannot be read");
        }
        const std::string path = url->path();  // percent-decoded
        bool unmask = false;
        for (const auto& param : url->params()) {
            unmask = unmask || (param.key == "unmask" && param.value == "1");
        }
        if (path == "/api/messages") {
            co_return co_await search(req, *url, unmask, ctx);
        }
        if (!path.starts_with(messages_prefix) || path.size() == messages_prefix.size() ||
            path.find('/', messages_prefix.size()) != std::string::npos) {
            co_return error(bhttp::status::not_found, "no such route (see docs/api.md)");
        }
        if (req.method() != bhttp::verb::get) {
            auto res = error(bhttp::status::method_not_allowed, "read-only: use GET");
            res.set(bhttp::field::allow, "GET");
            co_return res;
        }
        const auto sms_id = path.substr(messages_prefix.size());
        const auto record = co_await options_.find_message(sms_id);
        if (!record) {
            co_return error(bhttp::status::not_found, "no message with this sms_id");
        }
        if (unmask) {
            spdlog::warn(
                "admin: message {} shown with its phone number and Zalo user id in full "
                "to {}",
                sms_id, ctx.remote.to_string());
        }
        co_return json_response(bhttp::status::ok, message_json(*record, unmask));
    }

  private:
    // GET /api/messages?phone=P|request_id=R[&limit=N][&before=CURSOR][&unmask=1]
    boost::asio::awaitable<Response> search(const Request& req, const boost::urls::url_view& url,
                                            bool unmask, const RequestContext& ctx) {
        if (req.method() != bhttp::verb::get) {
            auto res = error(bhttp::status::method_not_allowed, "read-only: use GET");
            res.set(bhttp::field::allow, "GET");
            co_return res;
        }
        std::string phone;
        std::string request_id;
        std::string cursor;
        std::size_t limit = 50;
        for (const auto& param : url.params()) {
            if (param.key == "phone") {
                phone = param.value;
            } else if (param.key == "request_id") {
                request_id = param.value;
            } else if (param.key == "before") {
                cursor = param.value;
            } else if (param.key == "limit") {
                const auto& text = param.value;
                std::size_t value = 0;
                const auto [end, ec] =
                    std::from_chars(text.data(), text.data() + text.size(), value);
                if (ec != std::errc{} || end != text.data() + text.size() || value < 1 ||
                    value > 200) {
                    co_return error(bhttp::status::bad_request, "limit: a number from 1 to 200");
                }
                limit = value;
            }
        }
        if (phone.empty() == request_id.empty()) {
            co_return error(bhttp::status::bad_request,
                            "give phone=NUMBER (84..., 0... or +84...) or request_id=ID");
        }
        const store::MessageSearch by =
            phone.empty()
                ? store::MessageSearch{.by = store::MessageSearch::By::request_id,
                                       .value = request_id}
                : store::MessageSearch{.by = store::MessageSearch::By::phone, .value = phone};
        store::MessagePage page;
        try {
            page = co_await options_.find_messages(by, limit, cursor);
        } catch (const std::invalid_argument&) {
            co_return error(bhttp::status::bad_request, "before: not a cursor this API gave");
        }
        if (unmask) {
            spdlog::warn("admin: a search's messages shown with their numbers in full to {}",
                         ctx.remote.to_string());
        }
        json::array messages;
        for (const auto& text : page.messages) {
            auto message = json::parse(text).as_object();
            explain_error(message);
            if (!unmask) {
                mask(message, {});
            }
            messages.push_back(std::move(message));
        }
        co_return json_response(
            bhttp::status::ok,
            json::object{{"messages", std::move(messages)},
                         {"next", page.next ? json::value(*page.next) : json::value(nullptr)},
                         {"masked", !unmask}});
    }

    AdminRouteOptions options_;
};

}  // namespace

Handler make_admin_routes(AdminRouteOptions options) {
    return [routes = std::make_shared<AdminRoutes>(std::move(options))](
               const Request& req, const RequestContext& ctx) { return (*routes)(req, ctx); };
}

}  // namespace deliveryd::http
