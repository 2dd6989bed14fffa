// How long the daemon lets PostgreSQL run its statements and keep its
// transactions idle. Together they bound how late a stored report can
// commit, which the archive's search for late reports relies on.
#pragma once

#include <chrono>

namespace deliveryd::app {

// The daemon's statements take milliseconds; one that runs this long is
// waiting on a lock or a sick server, and its caller retries or answers 503
// instead.
inline constexpr std::chrono::seconds daemon_statement_timeout{30};

// A transaction of the daemon idle this long between its statements belongs
// to a process that stopped (paused, swapped out): the server ends it, and
// its reports are never stored rather than stored late.
inline constexpr std::chrono::seconds daemon_idle_in_transaction_timeout{10};

// A transaction that stores reports writes them in one statement and runs at
// most one more (the next polls of the rows) before it commits, so it
// commits within this long of its reports getting their event ids, or never.
inline constexpr std::chrono::seconds longest_report_commit =
    2 * daemon_statement_timeout + 2 * daemon_idle_in_transaction_timeout;

}  // namespace deliveryd::app
