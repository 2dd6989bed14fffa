// deliveryd's HTTP routes: /healthz, /readyz, /metrics (README.md's HTTP
// table says what each answers), and the provider callback. Returns the
// Handler the Server calls for every request.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <prometheus/registry.h>

#include "deliveryd/http/callback_route.hpp"
#include "deliveryd/http/server.hpp"
#include "deliveryd/store/health.hpp"

namespace deliveryd::http {

struct RouteOptions {
    std::shared_ptr<prometheus::Registry> registry;
    // Asks the database; runs the blocking check elsewhere and resumes here.
    std::function<boost::asio::awaitable<store::Readiness>()> check_readiness;
    // Refreshes gauges that are sampled rather than counted (optional).
    std::function<void()> before_scrape;
    // The provider callback; none when this process only serves probes.
    std::shared_ptr<CallbackRoute> callback;
    // True once shutdown began: /readyz answers 503 so no new traffic comes.
    std::function<bool()> draining;
};

[[nodiscard]] Handler make_routes(RouteOptions options);

}  // namespace deliveryd::http
