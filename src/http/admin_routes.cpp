#include "deliveryd/http/admin_routes.hpp"

#include <charconv>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <boost/json.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deliveryd/core/log_throttle.hpp"
#include "deliveryd/core/phone.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/http/admin_pages.hpp"
#include "deliveryd/http/admin_sessions.hpp"
#include "deliveryd/http/callback_route.hpp"
#include "deliveryd/http/html.hpp"

#include "http/admin_json.hpp"

namespace deliveryd::http {

namespace bhttp = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr std::string_view api_messages = "/api/messages";
constexpr std::string_view api_messages_prefix = "/api/messages/";
constexpr std::string_view page_messages = "/messages";
constexpr std::string_view page_messages_prefix = "/messages/";
constexpr std::string_view cookie_name = "deliveryd_admin";
constexpr std::size_t page_size = 50;

Response json_response(bhttp::status status, const json::value& body) {
    Response res(status, ContentType::json, json::serialize(body));
    res.body() += '\n';
    res.set(bhttp::field::cache_control, "no-store");
    return res;
}

Response error(bhttp::status status, std::string_view message) {
    return json_response(status, json::object{{"error", message}});
}

// The pages load nothing from elsewhere and run no script: the policy says
// so, and a page can be framed by none.
Response html_response(bhttp::status status, std::string body) {
    Response res(status, ContentType::html, std::move(body));
    res.set(bhttp::field::cache_control, "no-store");
    res.set("Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    return res;
}

Response redirect(std::string_view location) {
    Response res(bhttp::status::see_other, ContentType::none);
    res.set(bhttp::field::location, std::string(location));
    res.set(bhttp::field::cache_control, "no-store");
    return res;
}

bool bearer_authorized(const Request& req, const std::string& token) {
    constexpr std::string_view scheme = "Bearer ";
    const auto header = req[bhttp::field::authorization];
    return header.starts_with(scheme) && constant_time_equal(token, header.substr(scheme.size()));
}

// Where to go after logging in: a path on this listener only, never
// another site ("//host", "/\host") nor a header break.
std::string safe_next(std::string_view next) {
    if (!next.starts_with('/') || next.starts_with("//") ||
        next.find_first_of("\\\r\n") != std::string_view::npos) {
        return "/";
    }
    return std::string(next);
}

// A phone number as an agent may type it ("091 234 5678", "+84-91-...")
// with the separators gone, or nullopt when it is not one.
std::optional<std::string> typed_phone(std::string_view text) {
    std::string digits;
    for (const char c : text) {
        if (c != ' ' && c != '.' && c != '-' && c != '(' && c != ')') {
            digits += c;
        }
    }
    return core::is_vietnamese_phone(digits) ? std::optional(digits) : std::nullopt;
}

// GCC 12 pairs the coroutine frames' allocation (Asio's aligned_alloc) with
// the frames' sized operator delete and warns that they mismatch; that
// delete frees with free(), which is right (as in reconcile/scheduler_calls.cpp).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
class AdminRoutes {
  public:
    explicit AdminRoutes(AdminRouteOptions options) : options_(std::move(options)) {}

    boost::asio::awaitable<Response> operator()(const Request& req, const RequestContext& ctx) {
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
        if (path == "/login") {
            co_return login(req, *url, ctx);
        }
        if (path == "/logout") {
            co_return logout(req);
        }
        const bool authorized =
            bearer_authorized(req, options_.token) ||
            sessions_.valid(cookie_value(req[bhttp::field::cookie], cookie_name));
        if (path.starts_with("/api/")) {
            if (!authorized) {
                auto res = error(bhttp::status::unauthorized, "a valid bearer token is required");
                res.set(bhttp::field::www_authenticate, "Bearer realm=\"deliveryd-admin\"");
                co_return res;
            }
            co_return co_await api(req, *url, path, unmask, ctx);
        }
        if (!authorized) {
            co_return redirect("/login?next=" + html::url_component(target));
        }
        if (req.method() != bhttp::verb::get) {
            auto res = html_response(bhttp::status::method_not_allowed,
                                     admin_pages::notice("Read-only", "These pages only show."));
            res.set(bhttp::field::allow, "GET");
            co_return res;
        }
        if (path == "/") {
            store::AdminOverview overview;
            if (options_.overview) {
                overview = co_await options_.overview();
            }
            co_return html_response(bhttp::status::ok, admin_pages::overview(overview));
        }
        if (path == page_messages) {
            co_return co_await search_page(*url, unmask, ctx);
        }
        if (path.starts_with(page_messages_prefix) && path.size() > page_messages_prefix.size() &&
            path.find('/', page_messages_prefix.size()) == std::string::npos) {
            const auto sms_id = path.substr(page_messages_prefix.size());
            co_return co_await message_page(sms_id, unmask, ctx);
        }
        co_return html_response(bhttp::status::not_found,
                                admin_pages::notice("Not found", "There is no such page here."));
    }

  private:
    // GET /login: the form. POST /login: token=...&next=... from it.
    Response login(const Request& req, const boost::urls::url_view& url,
                   const RequestContext& ctx) {
        std::string next = "/";
        for (const auto& param : url.params()) {
            if (param.key == "next") {
                next = safe_next(param.value);
            }
        }
        if (req.method() == bhttp::verb::get) {
            return html_response(bhttp::status::ok, admin_pages::login(next, false));
        }
        if (req.method() != bhttp::verb::post) {
            auto res =
                html_response(bhttp::status::method_not_allowed, admin_pages::login(next, false));
            res.set(bhttp::field::allow, "GET, POST");
            return res;
        }
        std::string given;
        try {
            // A form's body: '+' for a space, as in a query string.
            const boost::urls::params_view form(req.body(), {true, false, false});
            for (const auto& param : form) {
                if (param.key == "token") {
                    given = param.value;
                } else if (param.key == "next") {
                    next = safe_next(param.value);
                }
            }
        } catch (const std::exception&) {
            given.clear();
        }
        if (!constant_time_equal(options_.token, given)) {
            // One line a minute at most: someone guessing tokens must not
            // flood the log.
            if (const auto held = wrong_logins_.admit(core::LogThrottle::Clock::now())) {
                spdlog::warn("admin: a login with a wrong token from {}{}", ctx.remote.to_string(),
                             *held == 0 ? std::string()
                                        : fmt::format(" ({} more in the last minute)", *held));
            }
            return html_response(bhttp::status::unauthorized, admin_pages::login(next, true));
        }
        auto res = redirect(next);
        // HttpOnly: no script reads it; SameSite=Strict: no other site's page
        // sends it along. Not Secure: the listener speaks plain HTTP (on
        // 127.0.0.1 or through a port-forward), and a Secure cookie would
        // never be sent back over it.
        res.set(bhttp::field::set_cookie, std::string(cookie_name) + "=" + sessions_.open() +
                                              "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                              std::to_string(sessions_.lifetime().count()));
        return res;
    }

    Response logout(const Request& req) {
        if (req.method() != bhttp::verb::post) {
            auto res = html_response(bhttp::status::method_not_allowed,
                                     admin_pages::notice("Log out", "Use the Log out button."));
            res.set(bhttp::field::allow, "POST");
            return res;
        }
        sessions_.close(cookie_value(req[bhttp::field::cookie], cookie_name));
        auto res = redirect("/login");
        res.set(bhttp::field::set_cookie,
                std::string(cookie_name) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        return res;
    }

    // GET /api/messages/{sms_id} and GET /api/messages?...
    boost::asio::awaitable<Response> api(const Request& req, const boost::urls::url_view& url,
                                         const std::string& path, bool unmask,
                                         const RequestContext& ctx) {
        if (path == api_messages) {
            co_return co_await api_search(req, url, unmask, ctx);
        }
        if (!path.starts_with(api_messages_prefix) || path.size() == api_messages_prefix.size() ||
            path.find('/', api_messages_prefix.size()) != std::string::npos) {
            co_return error(bhttp::status::not_found, "no such route (see docs/api.md)");
        }
        if (req.method() != bhttp::verb::get) {
            auto res = error(bhttp::status::method_not_allowed, "read-only: use GET");
            res.set(bhttp::field::allow, "GET");
            co_return res;
        }
        const auto sms_id = path.substr(api_messages_prefix.size());
        const auto record = co_await options_.find_message(sms_id);
        if (!record) {
            co_return error(bhttp::status::not_found, "no message with this sms_id");
        }
        if (unmask) {
            log_unmasked_message(sms_id, ctx);
        }
        co_return json_response(bhttp::status::ok, admin_json::message(*record, unmask));
    }

    static void log_unmasked_message(const std::string& sms_id, const RequestContext& ctx) {
        spdlog::warn(
            "admin: message {} shown with its phone number and Zalo user id in full "
            "to {}",
            sms_id, ctx.remote.to_string());
    }

    static void log_unmasked_search(const RequestContext& ctx) {
        spdlog::warn("admin: a search's messages shown with their numbers in full to {}",
                     ctx.remote.to_string());
    }

    // GET /api/messages?phone=P|request_id=R[&limit=N][&before=CURSOR][&unmask=1]
    boost::asio::awaitable<Response> api_search(const Request& req,
                                                const boost::urls::url_view& url, bool unmask,
                                                const RequestContext& ctx) {
        if (req.method() != bhttp::verb::get) {
            auto res = error(bhttp::status::method_not_allowed, "read-only: use GET");
            res.set(bhttp::field::allow, "GET");
            co_return res;
        }
        std::string phone;
        std::string request_id;
        std::string cursor;
        std::size_t limit = page_size;
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
            log_unmasked_search(ctx);
        }
        co_return json_response(
            bhttp::status::ok,
            json::object{{"messages", admin_json::search_rows(page.messages, unmask)},
                         {"next", page.next ? json::value(*page.next) : json::value(nullptr)},
                         {"masked", !unmask}});
    }

    // GET /messages/{sms_id}
    boost::asio::awaitable<Response> message_page(const std::string& sms_id, bool unmask,
                                                  const RequestContext& ctx) {
        const auto record = co_await options_.find_message(sms_id);
        if (!record) {
            co_return html_response(
                bhttp::status::not_found,
                admin_pages::notice("No such message", "No message has the SMSID " + sms_id + ".",
                                    sms_id));
        }
        if (unmask) {
            log_unmasked_message(sms_id, ctx);
        }
        co_return html_response(bhttp::status::ok,
                                admin_pages::message(admin_json::message(*record, unmask)));
    }

    // GET /messages?q=TEXT[&by=phone|request_id][&before=CURSOR][&unmask=1]. Without
    // `by`, an SMSID opens its message, a phone number lists the messages to
    // it, and anything else (or a number nothing was sent to) is taken for a
    // send request's id.
    boost::asio::awaitable<Response> search_page(const boost::urls::url_view& url, bool unmask,
                                                 const RequestContext& ctx) {
        std::string query;
        std::string by;
        std::string cursor;
        for (const auto& param : url.params()) {
            if (param.key == "q") {
                query = std::string(core::trim(param.value));
            } else if (param.key == "by") {
                by = param.value;
            } else if (param.key == "before") {
                cursor = param.value;
            }
        }
        if (query.empty()) {
            co_return html_response(
                bhttp::status::bad_request,
                admin_pages::notice("Nothing to find",
                                    "Type an SMSID, a phone number or a send request id."));
        }
        if (!by.empty() && by != "phone" && by != "request_id") {
            co_return html_response(
                bhttp::status::bad_request,
                admin_pages::notice("Cannot search", "by: phone or request_id.", query));
        }
        const auto phone = typed_phone(query);
        if (by.empty()) {
            const auto exact = co_await options_.find_message(query);
            if (exact) {
                co_return redirect("/messages/" + html::url_component(query) +
                                   (unmask ? "?unmask=1" : ""));
            }
            by = phone ? "phone" : "request_id";
        }
        const bool inferred = url.params().find("by") == url.params().end();
        store::MessagePage page;
        try {
            if (by == "phone") {
                // Named, not a temporary inside the co_await: GCC 12 destroys
                // such a temporary twice.
                const store::MessageSearch search{.by = store::MessageSearch::By::phone,
                                                  .value = phone.value_or(query)};
                page = co_await options_.find_messages(search, page_size, cursor);
                if (page.messages.empty() && inferred) {
                    by = "request_id";
                }
            }
            if (by == "request_id") {
                const store::MessageSearch search{.by = store::MessageSearch::By::request_id,
                                                  .value = query};
                page = co_await options_.find_messages(search, page_size, cursor);
            }
        } catch (const std::invalid_argument&) {
            co_return html_response(
                bhttp::status::bad_request,
                admin_pages::notice("Cannot search", "That page link is not one this gave.",
                                    query));
        }
        if (unmask) {
            log_unmasked_search(ctx);
        }
        const auto rows = admin_json::search_rows(page.messages, unmask);
        co_return html_response(
            bhttp::status::ok,
            admin_pages::search(
                {.query = query, .by = by, .rows = &rows, .next = page.next, .unmask = unmask}));
    }

    AdminRouteOptions options_;
    AdminSessions sessions_;
    core::LogThrottle wrong_logins_{std::chrono::minutes(1)};
};
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace

Handler make_admin_routes(AdminRouteOptions options) {
    return [routes = std::make_shared<AdminRoutes>(std::move(options))](
               const Request& req, const RequestContext& ctx) { return (*routes)(req, ctx); };
}

}  // namespace deliveryd::http
