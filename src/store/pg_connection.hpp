// A libpqxx connection that also hands out its libpq handle, for the
// statements sent through libpq directly (libpq_exec.hpp). Private to store/.
#pragma once

#include <libpq-fe.h>
#include <string>

#include <pqxx/connection>

namespace deliveryd::store {

// libpqxx 6 keeps a connection's handle private and shows it only to the
// connection's policy, at every connect and disconnect: this policy connects
// as pqxx::connection's does and remembers the handle it was last shown.
class HandleKeepingPolicy final : public pqxx::connect_direct {
  public:
    explicit HandleKeepingPolicy(const std::string& options) : pqxx::connect_direct(options) {}

    handle do_startconnect(handle orig) override;
    handle do_completeconnect(handle orig) override;
    handle do_dropconnect(handle orig) noexcept override;
    handle do_disconnect(handle orig) noexcept override;

    [[nodiscard]] PGconn* current() const noexcept { return current_; }

  private:
    handle kept(handle h) noexcept {
        current_ = h;
        return h;
    }

    PGconn* current_ = nullptr;
};

// pqxx::connection (built as basic_connection_base builds it), with its
// handle. Not to be deleted through a pointer to the base, whose destructor
// is not virtual.
class PgConnection final : public pqxx::connection_base {
  public:
    // Connects at once; throws pqxx::broken_connection when it cannot.
    explicit PgConnection(const std::string& options);
    ~PgConnection() noexcept;

    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;

    // The open connection's libpq handle, or null when it is closed.
    [[nodiscard]] PGconn* handle() const noexcept { return policy_.current(); }

  private:
    // Both outlive the base's use of them: it keeps a reference to the
    // policy and connects only in init(), once they are built.
    std::string options_;
    HandleKeepingPolicy policy_;
};

}  // namespace deliveryd::store
