// Maps a request to its handler: the provider endpoints, /sim/* and
// /healthz. Pure apart from updating the state's counters; the server adds
// faults and latency for provider endpoints.
#pragma once

#include <optional>

#include "sim_state.hpp"

namespace deliveryd::sim {

struct routed_response {
    http_response response;
    std::optional<endpoint> provider;  // set for provider endpoints: faults may apply
};

routed_response route(sim_state& state, const http_request& req, api_time now);

// GET /sim/truth, /sim/messages and /sim/stats bodies (exposed for tests).
boost::json::object truth_json(const sim_state& state, sim_time now);
boost::json::object messages_json(const sim_state& state);
boost::json::object stats_json(const sim_state& state, sim_time now);

}  // namespace deliveryd::sim
