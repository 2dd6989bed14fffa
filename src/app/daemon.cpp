#include "deliveryd/app/daemon.hpp"

#include <csignal>
#include <mutex>
#include <optional>
#include <sys/resource.h>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "deliveryd/app/cli.hpp"
#include "deliveryd/http/admin_routes.hpp"
#include "deliveryd/http/routes.hpp"
#include "deliveryd/http/server.hpp"
#include "deliveryd/net/offload.hpp"
#include "deliveryd/reconcile/scheduler.hpp"
#include "deliveryd/store/admin_overview.hpp"
#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/health.hpp"
#include "deliveryd/store/ingest_batcher.hpp"
#include "deliveryd/store/message_lookup.hpp"
#include "deliveryd/store/report_metrics.hpp"
#include "deliveryd/store/status_store.hpp"

#include "app/archive_task.hpp"
#include "app/daemon_tasks.hpp"
#include "app/daemon_timeouts.hpp"
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

// Raises the soft limit on open files to the hard one and keeps
// http.max_connections under it, leaving room for the database pool, curl
// and logs: running out of descriptors would starve those instead of
// refusing connections politely at accept.
std::size_t connection_limit(const Config& config) {
    auto wanted = static_cast<std::size_t>(config.http.max_connections);
    rlimit files{};
    if (getrlimit(RLIMIT_NOFILE, &files) != 0) {
        return wanted;
    }
    if (files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &files);
        (void)getrlimit(RLIMIT_NOFILE, &files);
    }
    const auto reserve = static_cast<rlim_t>(config.database.pool_size) + 256;
    if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur < wanted + reserve) {
        const auto allowed =
            files.rlim_cur > reserve ? static_cast<std::size_t>(files.rlim_cur - reserve) : 16;
        spdlog::warn("http.max_connections {} lowered to {}: the process may open {} files", wanted,
                     allowed, files.rlim_cur);
        wanted = allowed;
    }
    return wanted;
}

// /readyz asks the database at most once a second and never twice at once:
// a flood of probes must not queue up on the threads that commit callbacks.
// A probe arriving while a check runs gets the previous answer.
class ReadinessCache {
  public:
    asio::awaitable<store::Readiness> get(asio::thread_pool& db_threads,
                                          store::ConnectionPool& pool) {
        const auto now = std::chrono::steady_clock::now();
        {
            std::lock_guard lock(mutex_);
            if (checking_ || now - checked_at_ < std::chrono::seconds(1)) {
                co_return last_;
            }
            checking_ = true;
        }
        const auto result =
            co_await net::offload(db_threads, [&] { return store::check_readiness(pool); });
        std::lock_guard lock(mutex_);
        checking_ = false;
        checked_at_ = std::chrono::steady_clock::now();
        last_ = result;
        co_return result;
    }

  private:
    std::mutex mutex_;
    bool checking_ = false;
    std::chrono::steady_clock::time_point checked_at_{};
    store::Readiness last_ = store::Readiness::unreachable;
};

// The configuration polling runs on after a reload: `running` with the
// provider sections of `fresh`. Logs what else the file changed, which only
// a restart applies.
Config with_reloaded_providers(const Config& running, const Config& fresh) {
    Config next = running;
    next.esms = fresh.esms;
    next.etelecom = fresh.etelecom;
    if (to_redacted_yaml(next) != to_redacted_yaml(fresh)) {
        spdlog::warn(
            "SIGHUP: the file also changes settings outside esms and etelecom; those take "
            "effect at the next restart");
    }
    return next;
}

std::string describe_providers(const Config& config) {
    return fmt::format("{} eSMS account(s){}", config.esms.accounts.size(),
                       config.etelecom ? " and eTelecom" : "");
}

}  // namespace

int run_daemon(const Config& config, const ConfigReader& reread) {
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
    // NaN until the first upkeep reads it: "unknown", not "none ahead".
    auto& partitions_ahead =
        prometheus::BuildGauge()
            .Name("deliveryd_event_partitions_ahead")
            .Help(
                "Months after the current one (UTC) that delivery_event has a partition for, "
                "counted up to the first gap; -1 when the current month has none. Read every "
                "hour after creating 3 months ahead")
            .Register(*registry)
            .Add({});
    partitions_ahead.Set(std::numeric_limits<double>::quiet_NaN());

    store::ConnectionPool pool({.url = config.database.url,
                                .size = static_cast<std::size_t>(config.database.pool_size),
                                .connect_timeout = config.database.connect_timeout,
                                .acquire_timeout = config.database.connect_timeout,
                                .statement_timeout = daemon_statement_timeout,
                                .idle_in_transaction_timeout = daemon_idle_in_transaction_timeout,
                                .change_feed = config.feed.notify});
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
    store::ReportMetrics report_metrics(*registry);
    store::IngestBatcher batcher(
        ioc, db_threads, status_store,
        {.max_batch = static_cast<std::size_t>(config.database.max_batch),
         .commits_in_flight = static_cast<std::size_t>(config.database.commits_in_flight),
         .max_queued = static_cast<std::size_t>(config.database.max_queued)},
        {.on_commit =
             [&](std::size_t size, std::chrono::duration<double> took, bool ok) {
                 batch_sizes.Observe(static_cast<double>(size));
                 commit_seconds.Observe(took.count());
                 (ok ? commits_ok : commits_failed).Increment();
             },
         .on_applied =
             [&](std::span<const core::Observation> reports, const store::ApplyResult& result,
                 store::ReportPath path) { report_metrics.applied(reports, result, path); }});
    auto callback_route = std::make_shared<http::CallbackRoute>(
        http::CallbackRouteOptions{.path = config.http.callback_path,
                                   .token = config.http.callback_token,
                                   .allowed = http::AddressFilter(config.http.allow_cidrs)},
        batcher, *registry);

    const reconcile::SchedulerParts scheduler_parts{.ioc = ioc,
                                                    .db_threads = db_threads,
                                                    .pool = pool,
                                                    .status_store = status_store,
                                                    .ingest = batcher,
                                                    .report_metrics = report_metrics,
                                                    .registry = *registry};
    // Replaced on SIGHUP, on the control strand below.
    auto scheduler =
        std::make_unique<reconcile::Scheduler>(polling_settings(config), scheduler_parts);
    auto& reloads = prometheus::BuildCounter()
                        .Name("deliveryd_config_reloads_total")
                        .Help(
                            "Configuration reloads on SIGHUP, by result: applied, or refused "
                            "(the file had problems; the running configuration stays)")
                        .Register(*registry);
    auto& reloads_applied = reloads.Add({{"result", "applied"}});
    auto& reloads_refused = reloads.Add({{"result", "refused"}});

    ReadinessCache readiness;
    std::atomic<bool> draining{false};
    std::atomic<bool> settings_published{false};
    http::RouteOptions routes{
        .registry = registry,
        .check_readiness = [&]() -> asio::awaitable<store::Readiness> {
            const auto database = co_await readiness.get(db_threads, pool);
            co_return database == store::Readiness::ready && !settings_published
                ? store::Readiness::settings_pending
                : database;
        },
        .before_scrape = [&] { process_metrics.update(); },
        .callback = callback_route,
        .draining = [&] { return draining.load(); },
    };

    // Installed before the server starts, so a signal that arrives as soon
    // as "listening on" is logged still stops deliveryd cleanly.
    // Signals, the drain delay and the upkeep loop all run on one strand: with
    // several io threads, a drain timer firing on another thread could cancel
    // the signal wait before it is re-armed, and the process would never exit.
    const auto control = asio::make_strand(ioc);
    asio::steady_timer upkeep_timer(control);
    asio::steady_timer progress_timer(control);
    asio::steady_timer archive_timer(control);
    asio::steady_timer feed_timer(control);
    asio::steady_timer drain_timer(control);
    std::atomic<bool> stopping{false};
    std::function<void()> stop_server;
    asio::signal_set signals(control, SIGINT, SIGTERM);
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int signal) {
            if (ec) {
                return;
            }
            if (stopping.exchange(true)) {
                spdlog::warn("second signal: stopping now, without finishing in-flight work");
                ioc.stop();
                return;
            }
            spdlog::info(
                "received {}; draining for {}, then no new connections and finishing "
                "requests in flight",
                signal == SIGTERM ? "SIGTERM" : "SIGINT", format_duration(config.http.drain_delay));
            // /readyz answers 503 from now on, so a load balancer stops sending
            // traffic before the listener closes.
            draining = true;
            upkeep_timer.cancel();
            progress_timer.cancel();
            archive_timer.cancel();
            feed_timer.cancel();
            scheduler->stop();  // no new status calls; claimed messages are given back
            drain_timer.expires_after(config.http.drain_delay);
            drain_timer.async_wait([&](const boost::system::error_code&) { stop_server(); });
            signals.async_wait(on_signal);
        };
    signals.async_wait(on_signal);

    // SIGHUP: the provider sections read again and polling restarted on
    // them. The old scheduler stops first (its calls end, its rows are given
    // back, its locks freed), then the new one starts, whose limiters begin
    // one window late on every scope it takes: no limit is exceeded across
    // the switch. Callbacks do not depend on these sections and go on.
    Config running = config;
    bool reloading = false;
    asio::signal_set hangups(control, SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_hangup =
        [&](const boost::system::error_code& ec, int) {
            if (ec) {
                return;
            }
            hangups.async_wait(on_hangup);
            if (stopping) {
                return;
            }
            if (!reread) {
                spdlog::warn("SIGHUP: no configuration file to read again; ignored");
                return;
            }
            if (reloading) {
                spdlog::warn("SIGHUP: a reload is still under way; send it again once it is done");
                return;
            }
            Config fresh;
            try {
                fresh = reread();
            } catch (const std::exception& e) {
                reloads_refused.Increment();
                spdlog::error("SIGHUP: configuration not reloaded, the running one stays: {}",
                              e.what());
                return;
            }
            auto next = with_reloaded_providers(running, fresh);
            spdlog::info("SIGHUP: reloading the configuration ({}); polling restarts",
                         describe_providers(next));
            reloading = true;
            scheduler->stop([&, next = std::move(next)]() mutable {
                asio::post(control, [&, next = std::move(next)]() mutable {
                    reloading = false;
                    if (stopping) {
                        return;
                    }
                    scheduler = std::make_unique<reconcile::Scheduler>(polling_settings(next),
                                                                       scheduler_parts);
                    running = std::move(next);
                    scheduler->start();
                    reloads_applied.Increment();
                    spdlog::info("SIGHUP: configuration reloaded; polling {}",
                                 describe_providers(running));
                });
            });
        };
    hangups.async_wait(on_hangup);

    http::ServerOptions server_options;
    try {
        server_options.endpoint = resolve_listen(ioc, config.http.listen);
    } catch (const boost::system::system_error& e) {
        spdlog::error("cannot resolve http.listen {}: {}", config.http.listen, e.code().message());
        return exit_failure;
    }
    server_options.max_connections = connection_limit(config);
    server_options.read_timeout = config.http.read_timeout;
    server_options.io_threads = config.http.threads;
    http::Server server(
        ioc, server_options, http::make_routes(std::move(routes)),
        {.on_connections_changed =
             [&](std::size_t open) { open_connections.Set(static_cast<double>(open)); },
         .on_connection_refused = [&] { refused_connections.Increment(); }});
    try {
        server.start();
    } catch (const boost::system::system_error& e) {
        // The code's message alone: what() adds Boost's source location.
        spdlog::error("cannot listen on {} (http.listen): {}{}", config.http.listen,
                      e.code().message(),
                      e.code() == boost::asio::error::address_in_use
                          ? "; another process has this port: stop it or change http.listen"
                          : "");
        return exit_failure;
    } catch (const std::exception& e) {
        spdlog::error("cannot listen on {} (http.listen): {}", config.http.listen, e.what());
        return exit_failure;
    }
    const auto bound = server.local_endpoint();
    spdlog::info("listening on {}:{}", bound.address().to_string(), bound.port());

    // The admin listener: its own port, never the provider-facing one.
    std::optional<http::Server> admin;
    if (config.admin.token) {
        http::AdminRouteOptions admin_routes;
        admin_routes.token = *config.admin.token;
        admin_routes.find_message =
            [&](std::string sms_id) -> asio::awaitable<std::optional<store::MessageRecord>> {
            co_return co_await net::offload(db_threads,
                                            [&] { return store::find_message(pool, sms_id); });
        };
        admin_routes.find_messages =
            [&](store::MessageSearch search, std::size_t limit,
                std::string cursor) -> asio::awaitable<store::MessagePage> {
            co_return co_await net::offload(
                db_threads, [&] { return store::find_messages(pool, search, limit, cursor); });
        };
        admin_routes.overview = [&]() -> asio::awaitable<store::AdminOverview> {
            co_return co_await net::offload(db_threads,
                                            [&] { return store::read_admin_overview(pool); });
        };
        http::ServerOptions admin_options;
        try {
            admin_options.endpoint = resolve_listen(ioc, config.admin.listen);
            admin_options.max_connections = 256;
            admin_options.read_timeout = config.http.read_timeout;
            admin_options.io_threads = config.http.threads;
            admin.emplace(ioc, admin_options, http::make_admin_routes(std::move(admin_routes)));
            admin->start();
        } catch (const boost::system::system_error& e) {
            spdlog::error("cannot listen on {} (admin.listen): {}", config.admin.listen,
                          e.code().message());
            server.stop();
            return exit_failure;
        }
        const auto admin_bound = admin->local_endpoint();
        spdlog::info("admin listener on {}:{}", admin_bound.address().to_string(),
                     admin_bound.port());
    } else {
        spdlog::info("admin listener off (admin.token is not set)");
    }

    stop_server = [&] {
        server.stop();
        if (admin) {
            admin->stop();
        }
        signals.cancel();  // nothing else keeps the io_context running once work is done
        hangups.cancel();
    };
    asio::co_spawn(control,
                   upkeep(db_threads, pool, config, upkeep_timer, stopping, settings_published,
                          partitions_ahead),
                   asio::detached);
    asio::co_spawn(control, log_progress(*registry, progress_timer, stopping), asio::detached);
    asio::co_spawn(
        control,
        keep_archiving(db_threads, pool, config.archive, *registry, archive_timer, stopping),
        asio::detached);
    if (config.feed.notify) {
        auto& feed_queue = prometheus::BuildGauge()
                               .Name("deliveryd_feed_queue_usage")
                               .Help(
                                   "How full PostgreSQL's notification queue is, 0 to 1 "
                                   "(pg_notification_queue_usage); only with feed.notify on")
                               .Register(*registry)
                               .Add({});
        asio::co_spawn(control,
                       watch_feed_queue(db_threads, pool, feed_queue, feed_timer, stopping),
                       asio::detached);
    }
    scheduler->start();

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
