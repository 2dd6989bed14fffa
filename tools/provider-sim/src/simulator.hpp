// The simulator assembled: state, HTTP server and callback dispatcher on one
// single-threaded io_context. Lifetime: construct, listen(), run() (blocks),
// stop() from any thread or a signal makes run() return.
#pragma once

#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>

#include "callback_dispatcher.hpp"
#include "http_server.hpp"
#include "options.hpp"

namespace deliveryd::sim {

// The messages the options ask for: loaded from --messages-file or generated.
// Throws message_file_error.
std::vector<message> load_or_generate(const options& opts, sim_time start);

class simulator {
  public:
    // Throws options_error for an unusable --callback-url.
    simulator(const options& opts, std::vector<message> messages, std::unique_ptr<sim_clock> clock);
    ~simulator();
    simulator(const simulator&) = delete;
    simulator& operator=(const simulator&) = delete;

    // Binds --listen (throws boost::system::system_error); returns the bound address.
    asio::ip::tcp::endpoint listen();
    // Stop on SIGINT/SIGTERM. Call before run().
    void handle_signals();
    // Serves until stop(). Call once.
    void run();
    // Thread-safe; run() returns soon after.
    void stop();

    // Only while run() is not running, or from the I/O thread.
    sim_state& state() { return state_; }

  private:
    options opts_;
    std::unique_ptr<sim_clock> clock_;
    sim_state state_;
    asio::io_context ioc_{1};
    http_server server_;
    callback_dispatcher dispatcher_;
    std::optional<asio::signal_set> signals_;
};

}  // namespace deliveryd::sim
