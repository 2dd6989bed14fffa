// The HTTP/1.1 server: one coroutine per connection (read -> route -> fault
// -> write), keep-alive, a timeout on every read, a body limit. Runs on the
// simulator's single-threaded io_context, so handlers touch sim_state
// without locks.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "asio_common.hpp"
#include "sim_state.hpp"

namespace deliveryd::sim {

struct server_config {
    milliseconds read_timeout{30000};  // idle keep-alive connections are closed after this
    std::size_t body_limit = 1U << 20U;
};

class http_server {
  public:
    http_server(asio::io_context& ioc, sim_state& state, server_config config);

    // Binds and listens (throws boost::system::system_error); returns the
    // bound address, with the real port when 0 was asked for.
    asio::ip::tcp::endpoint listen(const asio::ip::tcp::endpoint& where);
    // Starts accepting; call after listen(), from any thread before run().
    void start();
    // Stops accepting. Call on the I/O thread.
    void stop();

  private:
    asio::awaitable<void> accept_loop();
    asio::awaitable<void> session(asio::ip::tcp::socket socket);

    asio::io_context& ioc_;
    sim_state& state_;
    server_config config_;
    asio::ip::tcp::acceptor acceptor_;
};

}  // namespace deliveryd::sim
