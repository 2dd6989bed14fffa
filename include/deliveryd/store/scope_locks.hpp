// Which polling scopes this replica may poll: one PostgreSQL session-level
// advisory lock per scope, all held on one dedicated connection. Only the
// replica holding a scope's lock claims its rows, so the provider's
// per-account limits hold across replicas.
//
// A replica that dies takes its connection, and so its locks, with it: the
// server ends the session when the socket closes (at once after a crash or
// kill -9 on a live host; within the TCP keepalive settings below when the
// host or network vanishes). The others try for free scopes on every
// refresh(), so a scope is taken over one scheduler tick after it is freed.
// If this replica's lock connection breaks, refresh() reports nothing held
// from then on, so it stops claiming before anyone else can take over.
//
// The lock connection shows in pg_stat_activity as application_name
// `deliveryd-poller`; pg_locks (locktype advisory) shows which backend holds
// which scope (lock key: hashtextextended('deliveryd.poll/' || scope, 0)).
//
// Blocking; not thread-safe (one caller at a time, e.g. the scheduler's strand).
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "deliveryd/store/poll_store.hpp"

namespace deliveryd::store {

class ScopeLocks {
  public:
    ScopeLocks(std::string url, std::chrono::milliseconds connect_timeout,
               std::vector<PollScope> scopes);
    ~ScopeLocks();
    ScopeLocks(const ScopeLocks&) = delete;
    ScopeLocks& operator=(const ScopeLocks&) = delete;

    // Checks that the lock connection still works (reconnecting when it
    // does not, which frees every lock it held) and tries once for every
    // scope not held. Returns the scopes held now. Never throws: a database
    // that cannot be reached means nothing is held.
    [[nodiscard]] std::set<PollScope> refresh() noexcept;

    // Closes the connection, freeing every lock at once (shutdown).
    void release_all() noexcept;

    [[nodiscard]] const std::set<PollScope>& held() const noexcept { return held_; }

  private:
    void connect();

    std::string conninfo_;
    std::vector<PollScope> scopes_;
    struct Session;  // the pqxx connection (its base class has no virtual destructor)
    std::unique_ptr<Session> session_;
    std::set<PollScope> held_;
    std::string last_error_;  // logged once per distinct failure
};

}  // namespace deliveryd::store
