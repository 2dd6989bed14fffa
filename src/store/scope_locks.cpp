#include "deliveryd/store/scope_locks.hpp"

#include <vector>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "deliveryd/store/conninfo.hpp"

#include "store/pg_array.hpp"

namespace deliveryd::store {
namespace {

// Client side: keepalives (conninfo.hpp) notice a dead server or network
// within ~11 s and fail the query instead of blocking a database thread.
std::vector<ConninfoParameter> lock_connection_parameters() {
    std::vector<ConninfoParameter> parameters{{"application_name", "deliveryd-poller"}};
    const auto keepalives = keepalive_parameters();
    parameters.insert(parameters.end(), keepalives.begin(), keepalives.end());
    return parameters;
}

// Server side, for this session only: end the session (and free its locks)
// within ~11 s when this replica's host or network disappears without
// closing the socket, so another replica can take the scopes over.
constexpr const char* session_setup_sql =
    "SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; "
    "SET tcp_keepalives_count = 3; SET tcp_user_timeout = 10000; "
    "SET statement_timeout = '5s'; SET idle_session_timeout = 0; "
    "SET idle_in_transaction_session_timeout = 0";

// Tries every scope given; returns the names whose lock this session holds now.
constexpr const char* try_lock_sql =
    "SELECT s FROM unnest($1::text[]) AS s "
    "WHERE pg_try_advisory_lock(hashtextextended('deliveryd.poll/' || s, 0))";

}  // namespace

struct ScopeLocks::Session {
    explicit Session(const std::string& conninfo) : connection(conninfo) {}
    pqxx::connection connection;
};

ScopeLocks::ScopeLocks(std::string url, std::chrono::milliseconds connect_timeout,
                       std::vector<PollScope> scopes)
    : conninfo_(effective_conninfo(url, connect_timeout, lock_connection_parameters())),
      scopes_(std::move(scopes)) {}

ScopeLocks::~ScopeLocks() {
    release_all();
}

void ScopeLocks::connect() {
    session_ = std::make_unique<Session>(conninfo_);
    pqxx::nontransaction tx(session_->connection);
    tx.exec(session_setup_sql);
}

std::set<PollScope> ScopeLocks::refresh() noexcept {
    try {
        if (!session_ || !session_->connection.is_open()) {
            held_.clear();
            session_.reset();
            connect();
        }
        PgArray wanted;
        std::vector<const PollScope*> asked;
        for (const auto& scope : scopes_) {
            if (!held_.contains(scope)) {
                wanted.add(scope.name());
                asked.push_back(&scope);
            }
        }
        pqxx::nontransaction tx(session_->connection);
        if (asked.empty()) {
            tx.exec("SELECT 1");  // the locks are only as alive as the session
        } else {
            std::set<std::string> taken;
            for (const auto& row : tx.exec_params(try_lock_sql, wanted.finish())) {
                taken.insert(row[0].as<std::string>());
            }
            for (const auto* scope : asked) {
                if (taken.contains(scope->name())) {
                    held_.insert(*scope);
                    spdlog::info("polling scope {}: this replica polls it now", scope->name());
                }
            }
        }
        last_error_.clear();
    } catch (const std::exception& e) {
        // The session is gone or unusable: whatever it held, it holds no
        // more (or soon will not), so stop polling everything at once.
        if (!held_.empty()) {
            spdlog::warn("polling scope locks lost ({}); polling paused until they are regained",
                         e.what());
        } else if (last_error_ != e.what()) {
            spdlog::warn("cannot take polling scope locks: {}", e.what());
        }
        last_error_ = e.what();
        held_.clear();
        session_.reset();
    }
    return held_;
}

void ScopeLocks::release_all() noexcept {
    held_.clear();
    if (session_) {
        // Unlock before closing: the server ends a closed session a moment
        // later, and another replica should not wait for that moment.
        try {
            pqxx::nontransaction tx(session_->connection);
            tx.exec("SELECT pg_advisory_unlock_all()");
        } catch (const std::exception&) {
            // The session is broken: closing it frees the locks all the same.
        }
    }
    session_.reset();
}

}  // namespace deliveryd::store
