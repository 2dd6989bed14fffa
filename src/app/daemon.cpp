#include "deliveryd/app/daemon.hpp"

#include <csignal>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "deliveryd/app/cli.hpp"
#include "deliveryd/http/routes.hpp"
#include "deliveryd/http/server.hpp"
#include "deliveryd/net/offload.hpp"
#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/health.hpp"
#include "deliveryd/store/ingest_batcher.hpp"
#include "deliveryd/store/status_store.hpp"

#include "app/process_metrics.hpp"

namespace deliveryd::app {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// "0.0.0.0:8080", "[::]:8080", "localhost:8080" -> an endpoint to bind.
tcp::endpoint resolve_listen(asio::io_context& ioc, const std::string& listen) {
    const auto colon = listen.rfind(':');
    auto host = listen.substr(0, colon);
    const auto port = listen.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    tcp::resolver resolver(ioc);
    const auto results = resolver.resolve(host, port, tcp::resolver::passive);
    return results.begin()->endpoint();
}

// Publishes settings to the database, retrying until it succeeds or the
// daemon stops: deliveryd starts and serves /healthz even while the database
// is still coming up.
asio::awaitable<void> publish_settings_when_possible(asio::thread_pool& db_threads,
                                                     store::ConnectionPool& pool,
                                                     const Config& config,
                                                     asio::steady_timer& retry) {
    for (;;) {
        try {
            co_await net::offload(db_threads,
                                  [&] { store::publish_settings(pool, config.reconcile.grace); });
            co_return;
        } catch (const std::exception& e) {
            spdlog::warn("cannot publish settings to the database yet ({}); retrying in 5s",
                         e.what());
        }
        retry.expires_after(std::chrono::seconds(5));
        auto [ec] = co_await retry.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) {
            co_return;  // cancelled: shutting down
        }
    }
}

}  // namespace

int run_daemon(const Config& config) {
    spdlog::info("deliveryd {} starting", DELIVERYD_VERSION);
    spdlog::info("effective configuration:\n{}", to_redacted_yaml(config));
    std::signal(SIGPIPE, SIG_IGN);

    auto registry = std::make_shared<prometheus::Registry>();
    prometheus::BuildGauge()
        .Name("deliveryd_build_info")
        .Help("Always 1; labelled with the running version")
        .Register(*registry)
        .Add({{"version", DELIVERYD_VERSION}})
        .Set(1);
    auto& open_connections = prometheus::BuildGauge()
                                 .Name("deliveryd_http_open_connections")
                                 .Help("HTTP connections open now")
                                 .Register(*registry)
                                 .Add({});
    auto& refused_connections =
        prometheus::BuildCounter()
            .Name("deliveryd_http_refused_connections_total")
            .Help("Connections closed at accept because http.max_connections were open")
            .Register(*registry)
            .Add({});
    ProcessMetrics process_metrics(*registry);

    store::ConnectionPool pool({.url = config.database.url,
                                .size = static_cast<std::size_t>(config.database.pool_size),
                                .connect_timeout = config.database.connect_timeout,
                                .acquire_timeout = config.database.connect_timeout});
    // One thread per connection: every database call blocks its thread.
    asio::thread_pool db_threads(static_cast<std::size_t>(config.database.pool_size));
    asio::io_context ioc(config.http.threads);

    store::StatusStore status_store(pool);
    auto& batch_sizes = prometheus::BuildHistogram()
                            .Name("deliveryd_ingest_batch_size")
                            .Help("Reports per database transaction (group commit)")
                            .Register(*registry)
                            .Add({}, prometheus::Histogram::BucketBoundaries{
                                         1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000});
    auto& commit_seconds =
        prometheus::BuildHistogram()
            .Name("deliveryd_ingest_commit_seconds")
            .Help("Time to apply and commit one batch of reports")
            .Register(*registry)
            .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
                                                             0.1, 0.2, 0.5, 1, 2, 5});
    auto& commits = prometheus::BuildCounter()
                        .Name("deliveryd_ingest_commits_total")
                        .Help("Batches of reports, by result: committed or failed")
                        .Register(*registry);
    auto& commits_ok = commits.Add({{"result", "committed"}});
    auto& commits_failed = commits.Add({{"result", "failed"}});
    store::IngestBatcher batcher(
        ioc, db_threads, status_store,
        {.max_batch = static_cast<std::size_t>(config.database.max_batch),
         .commits_in_flight = static_cast<std::size_t>(config.database.commits_in_flight),
         .max_queued = static_cast<std::size_t>(config.database.max_queued)},
        {.on_commit = [&](std::size_t size, std::chrono::duration<double> took, bool ok) {
            batch_sizes.Observe(static_cast<double>(size));
            commit_seconds.Observe(took.count());
            (ok ? commits_ok : commits_failed).Increment();
        }});
    auto callback_route = std::make_shared<http::CallbackRoute>(
        http::CallbackRouteOptions{.path = config.http.callback_path,
                                   .token = config.http.callback_token,
                                   .allowed = http::AddressFilter(config.http.allow_cidrs)},
        batcher, *registry);

    std::atomic<bool> draining{false};
    http::RouteOptions routes{
        .registry = registry,
        .check_readiness = [&]() -> asio::awaitable<store::Readiness> {
            co_return co_await net::offload(db_threads,
                                            [&] { return store::check_readiness(pool); });
        },
        .before_scrape = [&] { process_metrics.update(); },
        .callback = callback_route,
        .draining = [&] { return draining.load(); },
    };

    // Installed before the server starts, so a signal that arrives as soon
    // as "listening on" is logged still stops deliveryd cleanly.
    asio::steady_timer settings_retry(ioc);
    std::function<void()> stop_server;
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) {
            return;
        }
        spdlog::info("received {}; stopping: no new connections, finishing requests in flight",
                     signal == SIGTERM ? "SIGTERM" : "SIGINT");
        draining = true;
        stop_server();
        settings_retry.cancel();
    });

    http::ServerOptions server_options;
    try {
        server_options.endpoint = resolve_listen(ioc, config.http.listen);
    } catch (const std::exception& e) {
        spdlog::error("cannot resolve http.listen {}: {}", config.http.listen, e.what());
        return exit_failure;
    }
    server_options.max_connections = static_cast<std::size_t>(config.http.max_connections);
    server_options.read_timeout = config.http.read_timeout;
    http::Server server(
        ioc, server_options, http::make_routes(std::move(routes)),
        {.on_connections_changed =
             [&](std::size_t open) { open_connections.Set(static_cast<double>(open)); },
         .on_connection_refused = [&] { refused_connections.Increment(); }});
    try {
        server.start();
    } catch (const std::exception& e) {
        spdlog::error("cannot listen on {}: {}", config.http.listen, e.what());
        return exit_failure;
    }
    const auto bound = server.local_endpoint();
    spdlog::info("listening on {}:{}", bound.address().to_string(), bound.port());

    stop_server = [&server] { server.stop(); };
    asio::co_spawn(ioc, publish_settings_when_possible(db_threads, pool, config, settings_retry),
                   asio::detached);

    std::vector<std::jthread> threads;
    for (int i = 1; i < config.http.threads; ++i) {
        threads.emplace_back([&ioc] { ioc.run(); });
    }
    ioc.run();
    threads.clear();  // joins
    db_threads.join();
    spdlog::info("stopped");
    spdlog::default_logger()->flush();
    return exit_ok;
}

}  // namespace deliveryd::app
