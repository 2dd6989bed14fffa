// The provider simulator (tools/provider-sim) for end-to-end tests: started
// on 127.0.0.1 with an ephemeral port, its JSON endpoints, and registering
// its messages in delivery_state the way a sender would.
#pragma once

#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "support/child_process.hpp"

namespace deliveryd::testing {

struct ProviderSim {
    explicit ProviderSim(std::vector<std::string> args);
    ChildProcess process;
    unsigned short port = 0;  // 0 when it did not start

    // GET a /sim/... endpoint, parsed (null on any failure).
    [[nodiscard]] boost::json::value get(const std::string& target) const;
    // POST /sim/faults with `settings` (JSON); true when the simulator took them.
    [[nodiscard]] bool set_faults(const std::string& settings) const;
    // The base URL deliveryd's configuration points at.
    [[nodiscard]] std::string url() const;
};

// INSERT ... ON CONFLICT DO NOTHING of every message of GET /sim/messages;
// returns how many there were.
std::size_t register_sim_messages(const std::string& database_url, const ProviderSim& sim);

// "NULL" for a JSON null, the text of a string, the number as text.
[[nodiscard]] std::string json_text(const boost::json::value& v);

}  // namespace deliveryd::testing
