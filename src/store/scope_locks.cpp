#include "deliveryd/store/scope_locks.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <vector>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "deliveryd/store/conninfo.hpp"
#include "deliveryd/store/scope_share.hpp"

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

// Marks this session as a live replica: a shared lock, which every replica
// holds at once and nobody takes exclusively, so it never waits. Also the
// session's own process id, from the server: the one libpq reports is a
// pooler's own when the connection goes through pgbouncer.
constexpr const char* presence_sql =
    "SELECT pg_backend_pid(), "
    "pg_try_advisory_lock_shared(hashtextextended('deliveryd.replica', 0))";

// Every granted advisory lock of this database that marks a live replica
// (scope NULL) or is the lock of one of the scopes given, with the backend
// holding it. A bigint advisory key shows in pg_locks split in two halves,
// classid (high) and objid (low), with objsubid 1.
constexpr const char* census_sql = R"sql(
WITH held AS (
    SELECT pid, (classid::bigint << 32) | objid::bigint AS key
    FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND objsubid = 1
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
)
SELECT h.pid, s.scope
FROM held AS h
LEFT JOIN unnest($1::text[]) AS s(scope)
       ON h.key = hashtextextended('deliveryd.poll/' || s.scope, 0)
WHERE s.scope IS NOT NULL OR h.key = hashtextextended('deliveryd.replica', 0)
)sql";

// Tries every scope given; returns the names whose lock this session holds now.
constexpr const char* try_lock_sql =
    "SELECT s FROM unnest($1::text[]) AS s "
    "WHERE pg_try_advisory_lock(hashtextextended('deliveryd.poll/' || s, 0))";

constexpr const char* unlock_sql =
    "SELECT pg_advisory_unlock(hashtextextended('deliveryd.poll/' || $1, 0))";

}  // namespace

struct ScopeLocks::Session {
    explicit Session(const std::string& conninfo) : connection(conninfo) {}
    pqxx::connection connection;
};

ScopeLocks::ScopeLocks(std::string url, std::chrono::milliseconds connect_timeout,
                       std::vector<PollScope> scopes, std::chrono::milliseconds free_grace)
    : conninfo_(effective_conninfo(url, connect_timeout, lock_connection_parameters())),
      scopes_(std::move(scopes)),
      free_grace_(free_grace) {}

ScopeLocks::~ScopeLocks() {
    release_all();
}

void ScopeLocks::connect() {
    session_ = std::make_unique<Session>(conninfo_);
    pqxx::nontransaction tx(session_->connection);
    tx.exec(session_setup_sql);
    backend_pid_ = tx.exec1(presence_sql)[0].as<int>();
}

std::vector<const PollScope*> ScopeLocks::census_and_pick() {
    PgArray names;
    for (const auto& scope : scopes_) {
        names.add(scope.name());
    }
    std::set<int> replica_pids{backend_pid_};
    std::map<int, std::size_t> held_by;
    std::set<std::string> locked;
    {
        pqxx::nontransaction tx(session_->connection);
        // A pooler that hands out a server connection per transaction
        // (pgbouncer's pool_mode = transaction) leaves session locks on
        // connections other clients then use: nothing held could be trusted.
        if (tx.exec1("SELECT pg_backend_pid()")[0].as<int>() != backend_pid_) {
            throw std::runtime_error(
                "the lock connection changed server sessions between statements: it goes "
                "through a pooler in transaction mode (pgbouncer pool_mode = transaction), where "
                "session advisory locks do not hold; connect deliveryd to PostgreSQL directly or "
                "through a pool in session mode");
        }
        for (const auto& row : tx.exec_params(census_sql, names.finish())) {
            const auto pid = row[0].as<int>();
            if (row[1].is_null()) {
                replica_pids.insert(pid);
            } else {
                locked.insert(row[1].as<std::string>());
                ++held_by[pid];
            }
        }
    }
    ScopeCensus census{.scopes = scopes_.size(),
                       .replicas = replica_pids.size(),
                       .held = held_.size(),
                       .fewest_held = held_.size(),
                       .free = 0};
    for (const auto pid : replica_pids) {
        census.fewest_held = std::min(census.fewest_held, held_by[pid]);
    }

    const auto now = std::chrono::steady_clock::now();
    std::vector<const PollScope*> free;
    std::vector<const PollScope*> long_free;
    for (const auto& scope : scopes_) {
        const auto name = scope.name();
        if (locked.contains(name)) {
            free_since_.erase(name);
            continue;
        }
        const auto since = free_since_.try_emplace(name, now).first->second;
        (now - since >= free_grace_ ? long_free : free).push_back(&scope);
    }
    census.free = free.size() + long_free.size();
    const auto move = share_move(census);
    surplus_ = move.release;
    replicas_ = census.replicas;

    // Long-free scopes first, then a random pick of the others, so that
    // replicas under their share at the same moment try different ones.
    std::shuffle(free.begin(), free.end(), random_);
    auto picked = std::move(long_free);
    const auto more = move.take > picked.size() ? move.take - picked.size() : 0;
    picked.insert(picked.end(), free.begin(),
                  free.begin() + static_cast<std::ptrdiff_t>(std::min(more, free.size())));
    return picked;
}

std::set<PollScope> ScopeLocks::refresh() noexcept {
    try {
        if (!session_ || !session_->connection.is_open()) {
            held_.clear();
            session_.reset();
            connect();
        }
        // The census is also what proves the session, and so the locks, alive.
        const auto asked = census_and_pick();
        if (!asked.empty()) {
            PgArray wanted;
            for (const auto* scope : asked) {
                wanted.add(scope->name());
            }
            pqxx::nontransaction tx(session_->connection);
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
        surplus_ = 0;
        replicas_ = 0;
        session_.reset();
    }
    return held_;
}

bool ScopeLocks::release(const PollScope& scope) noexcept {
    if (!held_.contains(scope) || !session_) {
        return false;
    }
    try {
        pqxx::nontransaction tx(session_->connection);
        tx.exec_params(unlock_sql, scope.name());
        held_.erase(scope);
        surplus_ = surplus_ > 0 ? surplus_ - 1 : 0;
        return true;
    } catch (const std::exception& e) {
        spdlog::warn("polling scope {}: could not give it up ({})", scope.name(), e.what());
        return false;
    }
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
