// Everything the simulator knows, in one place: messages, credentials,
// limits, faults and counters. Owned by `simulator`, used from its single
// I/O thread only (no locks anywhere).
#pragma once

#include <string>
#include <vector>

#include "api_types.hpp"
#include "faults.hpp"

namespace deliveryd::sim {

struct sim_state {
    sim_state(std::vector<message> messages, const sim_clock& clock_ref)
        : store(std::move(messages)), clock(clock_ref) {}

    message_store store;
    const sim_clock& clock;
    credentials creds;
    unknown_id_answer unknown_id = unknown_id_answer::code_105;
    std::size_t list_messages_max_limit = default_list_messages_max_limit;
    rate_limiter limiter{rate_limits{}};
    sim_stats stats;
    fault_config faults;
    fault_picker picker{1};
    std::string callback_url;   // empty: no callbacks are sent
    double drop_callbacks = 0;  // share of callbacks never sent
    std::uint64_t seed = 1;     // drop decisions hash (seed, sms_id, event)
    sim_time start{};           // simulated time at start-up
    double time_scale = 1;

    // Gauges kept by the callback sender.
    std::size_t callbacks_queued = 0;
    std::size_t callbacks_in_flight = 0;

    [[nodiscard]] api_context context() {
        return api_context{
            store, creds, limiter, stats, callback_url, unknown_id, list_messages_max_limit};
    }
};

}  // namespace deliveryd::sim
