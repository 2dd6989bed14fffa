// Readiness of the database for /readyz, and the settings deliveryd publishes
// to SQL at start-up. Blocking: call from a thread that may block.
#pragma once

#include <chrono>

#include "deliveryd/store/connection_pool.hpp"

namespace deliveryd::store {

enum class Readiness {
    ready,          // reachable, and every migration of this binary is applied
    unreachable,    // no connection, or it failed
    schema_behind,  // reachable, but `deliveryd migrate` has not run for this release
};

[[nodiscard]] Readiness check_readiness(ConnectionPool& pool) noexcept;

// Writes reconcile.grace into deliveryd_settings, so the column default that a
// sender's plain INSERT takes follows the running configuration.
void publish_settings(ConnectionPool& pool, std::chrono::milliseconds grace);

}  // namespace deliveryd::store
