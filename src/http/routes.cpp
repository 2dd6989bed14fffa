#include "deliveryd/http/routes.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <unordered_map>

#include <boost/asio/use_awaitable.hpp>
#include <prometheus/counter.h>
#include <prometheus/text_serializer.h>

namespace deliveryd::http {

namespace bhttp = boost::beast::http;

namespace {

Response text(bhttp::status status, std::string body,
              ContentType content_type = ContentType::plain_text) {
    Response res(status, content_type, std::move(body));
    res.set(bhttp::field::cache_control, "no-store");
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

    // Not a coroutine itself: a callback is answered by the callback route's
    // own coroutine, without a frame of this one around it.
    boost::asio::awaitable<Response> operator()(const Request& req, const RequestContext& ctx) {
        if (options_.callback && options_.callback->matches(path_of(req.target()))) {
            return options_.callback->handle(req, ctx, count_callback_);
        }
        return other(req);
    }

  private:
    boost::asio::awaitable<Response> other(const Request& req) {
        const auto path = path_of(req.target());
        Route route = Route::other;
        Response res;
        if (path == "/healthz" || path == "/readyz" || path == "/metrics") {
            route = path == "/healthz"  ? Route::healthz
                    : path == "/readyz" ? Route::readyz
                                        : Route::metrics;
            if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
                res = text(bhttp::status::method_not_allowed, "use GET\n");
                res.set(bhttp::field::allow, "GET, HEAD");
            } else if (route == Route::healthz) {
                res = text(bhttp::status::ok, "ok\n");
            } else if (route == Route::readyz) {
                res = co_await readiness();
            } else {
                res = metrics();
            }
        } else {
            res = text(bhttp::status::not_found, "not found\n");
        }
        counter(route, res.result_int()).Increment();
        co_return res;
    }

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
            case store::Readiness::settings_pending:
                co_return text(bhttp::status::service_unavailable,
                               "settings not yet written to the database\n");
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
        return text(bhttp::status::ok, body, ContentType::prometheus_text);
    }

    enum class Route { callback, healthz, readyz, metrics, other };

    // The counter for (route, code). Family::Add hashes a label map under a
    // lock; a per-thread cache keeps that off the callback path.
    prometheus::Counter& counter(Route route, unsigned code) {
        thread_local std::unordered_map<std::uint64_t,
                                        std::unordered_map<unsigned, prometheus::Counter*>>
            cache;
        auto& slot = cache[id_][static_cast<unsigned>(route) * 1000 + code];
        if (slot == nullptr) {
            static constexpr const char* names[] = {"callback", "healthz", "readyz", "metrics",
                                                    "other"};
            slot = &requests_.Add(
                {{"route", names[static_cast<int>(route)]}, {"code", std::to_string(code)}});
        }
        return *slot;
    }

    RouteOptions options_;
    prometheus::Family<prometheus::Counter>& requests_;
    // Tells this object's cache entries apart from those of an earlier one
    // that lived at the same address.
    const std::uint64_t id_ = next_id_++;
    static inline std::atomic<std::uint64_t> next_id_{0};
    const std::function<void(unsigned)> count_callback_ = [this](unsigned code) {
        counter(Route::callback, code).Increment();
    };
};

}  // namespace

Handler make_routes(RouteOptions options) {
    auto routes = std::make_shared<Routes>(std::move(options));
    return [routes](const Request& req, const RequestContext& ctx) { return (*routes)(req, ctx); };
}

}  // namespace deliveryd::http
