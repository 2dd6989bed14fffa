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
// Replicas share the scopes out (scope_share.hpp): each lock session also
// holds a shared advisory lock that marks a live replica, and every refresh
// counts, from pg_locks, the live replicas and the scopes each holds. A
// replica under its share tries for free scopes up to it; one holding two
// or more above another replica reports a surplus, which the caller gives
// back with release() once it has stopped polling those scopes. A scope
// left free for longer than a grace (5 s; its replicas' configurations
// differ, say) is taken by whoever sees it, share or not: no scope stays
// unpolled.
//
// The lock connection shows in pg_stat_activity as application_name
// `deliveryd-poller`; pg_locks (locktype advisory) shows which backend holds
// which scope (lock key: hashtextextended('deliveryd.poll/' || scope, 0)).
//
// Blocking; not thread-safe (one caller at a time, e.g. the scheduler's strand).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "deliveryd/store/poll_store.hpp"

namespace deliveryd::store {

class ScopeLocks {
  public:
    ScopeLocks(std::string url, std::chrono::milliseconds connect_timeout,
               std::vector<PollScope> scopes,
               std::chrono::milliseconds free_grace = default_free_grace);
    ~ScopeLocks();
    ScopeLocks(const ScopeLocks&) = delete;
    ScopeLocks& operator=(const ScopeLocks&) = delete;

    // A scope free for `free_grace` is taken by any replica that sees it.
    static constexpr std::chrono::milliseconds default_free_grace{5000};

    // Checks that the lock connection still works (reconnecting when it
    // does not, which frees every lock it held), counts the live replicas
    // and tries for the free scopes this replica's share allows. Returns the
    // scopes held now. Never throws: a database that cannot be reached means
    // nothing is held.
    [[nodiscard]] std::set<PollScope> refresh() noexcept;

    // Gives one held scope up at once (the caller has stopped polling it).
    // False when the database could not be told; the scope then counts as
    // held until the next refresh() finds out.
    bool release(const PollScope& scope) noexcept;

    // Closes the connection, freeing every lock at once (shutdown).
    void release_all() noexcept;

    [[nodiscard]] const std::set<PollScope>& held() const noexcept { return held_; }
    // How many held scopes the last refresh() found this replica should
    // give up to even out the shares (scope_share.hpp); 0 when unknown.
    [[nodiscard]] std::size_t surplus() const noexcept { return surplus_; }
    // Live replicas the last refresh() counted, this one included; 0 when
    // the database could not be asked.
    [[nodiscard]] std::size_t replicas() const noexcept { return replicas_; }

  private:
    void connect();
    // Counts replicas and holders, and picks the free scopes to try for.
    std::vector<const PollScope*> census_and_pick();

    std::string conninfo_;
    std::vector<PollScope> scopes_;
    std::chrono::milliseconds free_grace_;
    struct Session;  // the pqxx connection (its base class has no virtual destructor)
    std::unique_ptr<Session> session_;
    int backend_pid_ = 0;  // the session's server process (pg_backend_pid)
    std::set<PollScope> held_;
    std::size_t surplus_ = 0;
    std::size_t replicas_ = 0;
    // When each scope was first seen free, while it stays free.
    std::map<std::string, std::chrono::steady_clock::time_point> free_since_;
    std::mt19937_64 random_{std::random_device{}()};  // spreads replicas over the free scopes
    std::string last_error_;                          // logged once per distinct failure
};

}  // namespace deliveryd::store
