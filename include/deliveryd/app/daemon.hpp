// `deliveryd run`: wires the components together and runs them until SIGTERM
// or SIGINT, then stops them in reverse order.
#pragma once

#include "deliveryd/app/config.hpp"

namespace deliveryd::app {

// Returns the process exit code.
[[nodiscard]] int run_daemon(const Config& config);

}  // namespace deliveryd::app
