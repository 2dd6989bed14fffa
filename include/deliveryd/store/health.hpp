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
    // Reachable and migrated, but this replica has not yet written its
    // settings (reconcile.grace): a message registered now would take the
    // previous value as its first poll time.
    settings_pending,
};

[[nodiscard]] Readiness check_readiness(ConnectionPool& pool) noexcept;

// Writes reconcile.grace into deliveryd_settings, so the column default that a
// sender's plain INSERT takes follows the running configuration.
void publish_settings(ConnectionPool& pool, std::chrono::milliseconds grace);

// Creates delivery_event's monthly partitions for the coming months (rows
// that find none land in the default partition, which later months could
// then no longer be split from). Run by migrate and hourly by run. Returns
// how many months after the current one (UTC) have a partition, counted up
// to the first gap (at most 12); -1 when the current month has none.
int ensure_event_partitions(ConnectionPool& pool);

// How full PostgreSQL's queue of notifications not yet read by every
// listener is, 0 to 1 (pg_notification_queue_usage). At 1, every commit
// that notifies fails: with the change feed on, that is every write.
[[nodiscard]] double notification_queue_usage(ConnectionPool& pool);

}  // namespace deliveryd::store
