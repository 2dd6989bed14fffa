// Sends the status-change callbacks as eSMS does: when an event's simulated
// time comes, one HTTP GET per event, up to `attempts` tries (failure = error,
// timeout or non-2xx) spaced by `retry_delay`, at most `concurrency`
// requests at a time. A share of callbacks (--drop-callbacks) is never sent;
// which ones is fixed by (seed, sms_id, event), not by timing.
#pragma once

#include <deque>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "callback_client.hpp"
#include "sim_state.hpp"

namespace deliveryd::sim {

struct dispatcher_config {
    int attempts = 5;                // total tries per callback
    milliseconds retry_delay{1000};  // between tries
    milliseconds timeout{5000};      // per try
    std::size_t concurrency = 16;    // requests in flight at most
    milliseconds tick{10};           // how often due events are looked for
};

// True when the callback for (message, event) is dropped.
bool is_dropped(const sim_state& state, const callback_event& cb);

class callback_dispatcher {
  public:
    // `target` empty: due callbacks are only counted (no_url).
    callback_dispatcher(asio::io_context& ioc, sim_state& state,
                        std::optional<callback_target> target, dispatcher_config config);

    void start();
    void stop();  // I/O thread; in-flight attempts are abandoned with the io_context

  private:
    struct job {
        std::string target;
        int attempt = 0;  // tries made so far
        steady_time not_before{};
    };

    asio::awaitable<void> run();
    asio::awaitable<void> attempt(job j);
    void collect_due();

    asio::io_context& ioc_;
    sim_state& state_;
    std::optional<callback_target> target_;
    dispatcher_config config_;
    asio::steady_timer wake_;
    std::deque<job> ready_;
    std::deque<job> retry_;  // FIFO: the delay is constant, so due times are in order
    bool stopped_ = false;
};

}  // namespace deliveryd::sim
