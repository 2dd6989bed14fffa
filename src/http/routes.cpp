#include "deliveryd/http/routes.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <prometheus/counter.h>
#include <prometheus/text_serializer.h>

namespace deliveryd::http {

namespace bhttp = boost::beast::http;

namespace {

Response text(bhttp::status status, std::string body,
              const char* content_type = "text/plain; charset=utf-8") {
    Response res{status, 11};
    res.set(bhttp::field::content_type, content_type);
    res.set(bhttp::field::cache_control, "no-store");
    res.body() = std::move(body);
    return res;
}

std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

class Routes {
  public:
    explicit Routes(RouteOptions options)
        : options_(std::move(options)),
          requests_(prometheus::BuildCounter()
                        .Name("deliveryd_http_requests_total")
                        .Help("HTTP requests answered, by route and status code")
                        .Register(*options_.registry)) {}

    boost::asio::awaitable<Response> operator()(const Request& req, const RequestContext&) {
        const auto path = path_of(req.target());
        const char* route = "other";
        Response res;
        if (path == "/healthz" || path == "/readyz" || path == "/metrics") {
            if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
                res = text(bhttp::status::method_not_allowed, "use GET\n");
                res.set(bhttp::field::allow, "GET, HEAD");
            } else if (path == "/healthz") {
                res = text(bhttp::status::ok, "ok\n");
            } else if (path == "/readyz") {
                res = co_await readiness();
            } else {
                res = metrics();
            }
            route = path == "/healthz" ? "healthz" : path == "/readyz" ? "readyz" : "metrics";
        } else {
            res = text(bhttp::status::not_found, "not found\n");
        }
        count(route, res.result_int());
        co_return res;
    }

  private:
    boost::asio::awaitable<Response> readiness() {
        if (options_.draining && options_.draining()) {
            co_return text(bhttp::status::service_unavailable, "shutting down\n");
        }
        // Awaited into a variable first: GCC 12 miscompiles co_await in a switch condition.
        const auto readiness = co_await options_.check_readiness();
        switch (readiness) {
            case store::Readiness::ready:
                co_return text(bhttp::status::ok, "ready\n");
            case store::Readiness::schema_behind:
                co_return text(bhttp::status::service_unavailable,
                               "database schema is behind: run deliveryd migrate\n");
            case store::Readiness::unreachable:
                break;
        }
        co_return text(bhttp::status::service_unavailable, "database unreachable\n");
    }

    Response metrics() {
        if (options_.before_scrape) {
            options_.before_scrape();
        }
        const auto body = prometheus::TextSerializer().Serialize(options_.registry->Collect());
        return text(bhttp::status::ok, body, "text/plain; version=0.0.4; charset=utf-8");
    }

    void count(const char* route, unsigned code) {
        requests_.Add({{"route", route}, {"code", std::to_string(code)}}).Increment();
    }

    RouteOptions options_;
    prometheus::Family<prometheus::Counter>& requests_;
};

}  // namespace

Handler make_routes(RouteOptions options) {
    auto routes = std::make_shared<Routes>(std::move(options));
    return [routes](const Request& req, const RequestContext& ctx) { return (*routes)(req, ctx); };
}

}  // namespace deliveryd::http
