#include "simulator.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "generator.hpp"
#include "message_file.hpp"

namespace deliveryd::sim {
namespace {

std::optional<callback_target> target_of(const options& opts) {
    if (opts.callback_url.empty()) {
        return std::nullopt;
    }
    auto t = parse_callback_url(opts.callback_url);
    if (!t) {
        throw options_error("--callback-url: expected an absolute http:// URL: " +
                            opts.callback_url);
    }
    return t;
}

}  // namespace

std::vector<message> load_or_generate(const options& opts, sim_time start) {
    if (!opts.messages_file.empty()) {
        return load_messages_file(opts.messages_file, start);
    }
    generator_config g;
    g.count = opts.generate;
    g.seed = opts.seed;
    g.start = start;
    g.submit_spread = opts.submit_spread;
    g.etelecom =
        opts.etelecom_messages &&
        (opts.only_types.empty() || std::find(opts.only_types.begin(), opts.only_types.end(),
                                              etelecom_type) != opts.only_types.end());
    g.zns_without_callback = opts.zns_without_callback;
    g.only_types = opts.only_types;
    g.accounts.clear();
    for (const auto& a : opts.creds.esms) {
        g.accounts.push_back(a.name);
    }
    return generate_messages(g);
}

simulator::simulator(const options& opts, std::vector<message> messages,
                     std::unique_ptr<sim_clock> clock)
    : opts_(opts),
      clock_(std::move(clock)),
      state_(std::move(messages), *clock_),
      server_(ioc_, state_, opts.server),
      dispatcher_(ioc_, state_, target_of(opts), opts.callbacks) {
    state_.creds = opts.creds;
    state_.limiter = rate_limiter(opts.limits);
    state_.faults = opts.faults;
    state_.picker = fault_picker(opts.seed);
    state_.callback_url = opts.callback_url;
    state_.unknown_id = opts.unknown_id;
    state_.list_messages_max_limit = opts.list_messages_max_limit;
    state_.drop_callbacks = opts.drop_callbacks;
    state_.seed = opts.seed;
    state_.start = clock_->now();
    state_.time_scale = opts.time_scale;
}

simulator::~simulator() = default;

asio::ip::tcp::endpoint simulator::listen() {
    auto address = asio::ip::make_address(opts_.listen_host);
    return server_.listen({address, opts_.listen_port});
}

void simulator::handle_signals() {
    signals_.emplace(ioc_, SIGINT, SIGTERM);
    signals_->async_wait([this](const boost::system::error_code& ec, int signal) {
        if (!ec) {
            spdlog::info("signal {} received, stopping", signal);
            stop();
        }
    });
}

void simulator::run() {
    server_.start();
    dispatcher_.start();
    ioc_.run();
}

void simulator::stop() {
    asio::post(ioc_, [this] {
        server_.stop();
        dispatcher_.stop();
        if (signals_) {
            boost::system::error_code ignored;
            signals_->cancel(ignored);
        }
        // Open connections and callback attempts are abandoned: their
        // coroutines are destroyed with the io_context.
        ioc_.stop();
    });
}

}  // namespace deliveryd::sim
