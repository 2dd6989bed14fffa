// A fixed number of PostgreSQL connections shared by every caller. Blocking:
// call it from a thread that may block (the daemon's database thread pool),
// never from the io_context's threads.
//
// A connection that breaks (the server restarted, the network dropped) is
// thrown away and replaced on its next use, so deliveryd recovers by itself
// when the database returns. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace pqxx {
class connection_base;  // libpqxx 6: the base of every connection type
}

namespace deliveryd::store {

class PgConnection;  // private to store/: a libpqxx connection with its libpq handle

struct PoolOptions {
    std::string url;  // libpq URI or key=value conninfo
    std::size_t size = 8;
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds acquire_timeout{5000};  // waiting for a free connection
    // The server cancels any statement running longer (zero: no limit).
    // The daemon's work is short; operator commands that scan whole tables
    // run without one.
    std::chrono::milliseconds statement_timeout{0};
    // The server ends a session whose transaction stays idle this long
    // between statements (zero: no limit).
    std::chrono::milliseconds idle_in_transaction_timeout{0};
    // Every state a write of this pool makes a row enter is published on
    // the channel delivery_state_changed (the session setting
    // deliveryd.change_feed, read by migration 010's triggers).
    bool change_feed = false;
};

class ConnectionPool {
  public:
    explicit ConnectionPool(PoolOptions options);
    ~ConnectionPool();
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    // Runs `work` with a connection of its own. When the connection turns out
    // to be broken and `work` is safe to repeat, it is retried once on a fresh
    // connection (a connection idle across a database restart fails on first
    // use). Throws DatabaseUnavailable when no connection can be had or the
    // database goes away, DatabaseError for any other database error.
    void with_connection(const std::function<void(pqxx::connection_base&)>& work,
                         bool retry_if_broken = true);
    // The same, for the store's own work that also sends statements through
    // libpq directly.
    void with_pg_connection(const std::function<void(PgConnection&)>& work,
                            bool retry_if_broken = true);

    [[nodiscard]] std::size_t size() const noexcept { return slots_.size(); }

  private:
    struct Slot;
    Slot& acquire();
    void release(Slot& slot) noexcept;

    PoolOptions options_;
    std::string conninfo_;
    std::vector<std::unique_ptr<Slot>> slots_;
    std::vector<Slot*> free_;
    std::mutex mutex_;
    std::condition_variable available_;
};

}  // namespace deliveryd::store
