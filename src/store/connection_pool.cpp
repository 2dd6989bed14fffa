#include "deliveryd/store/connection_pool.hpp"

#include <algorithm>

#include <pqxx/pqxx>

#include "deliveryd/store/conninfo.hpp"
#include "deliveryd/store/errors.hpp"

#include "store/pg_connection.hpp"
#include "store/statements.hpp"
#include "store/translate.hpp"

namespace deliveryd::store {

struct ConnectionPool::Slot {
    std::unique_ptr<PgConnection> connection;
};

ConnectionPool::ConnectionPool(PoolOptions options)
    : options_(std::move(options)),
      conninfo_(
          effective_conninfo(options_.url, options_.connect_timeout, keepalive_parameters())) {
    slots_.reserve(options_.size);
    for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.size); ++i) {
        slots_.push_back(std::make_unique<Slot>());
        free_.push_back(slots_.back().get());
    }
}

ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Slot& ConnectionPool::acquire() {
    std::unique_lock lock(mutex_);
    if (!available_.wait_for(lock, options_.acquire_timeout, [this] { return !free_.empty(); })) {
        throw DatabaseUnavailable("no database connection became free in time");
    }
    Slot* slot = free_.back();
    free_.pop_back();
    return *slot;
}

void ConnectionPool::release(Slot& slot) noexcept {
    {
        std::lock_guard lock(mutex_);
        free_.push_back(&slot);
    }
    available_.notify_one();
}

void ConnectionPool::with_connection(const std::function<void(pqxx::connection_base&)>& work,
                                     bool retry_if_broken) {
    with_pg_connection([&](PgConnection& c) { work(c); }, retry_if_broken);
}

void ConnectionPool::with_pg_connection(const std::function<void(PgConnection&)>& work,
                                        bool retry_if_broken) {
    for (int attempt = 0;; ++attempt) {
        Slot& slot = acquire();
        struct Release {
            ConnectionPool& pool;
            Slot& slot;
            ~Release() { pool.release(slot); }
        } release{*this, slot};

        const bool reused = slot.connection && slot.connection->is_open();
        try {
            if (!reused) {
                slot.connection = open_connection(conninfo_);
                if (options_.statement_timeout.count() > 0 ||
                    options_.idle_in_transaction_timeout.count() > 0 || options_.change_feed) {
                    pqxx::nontransaction tx(*slot.connection);
                    if (options_.statement_timeout.count() > 0) {
                        tx.exec("SET statement_timeout = " +
                                std::to_string(options_.statement_timeout.count()));
                    }
                    if (options_.idle_in_transaction_timeout.count() > 0) {
                        tx.exec("SET idle_in_transaction_session_timeout = " +
                                std::to_string(options_.idle_in_transaction_timeout.count()));
                    }
                    if (options_.change_feed) {
                        tx.exec("SET deliveryd.change_feed = on");
                    }
                }
                statements::prepare_all(*slot.connection);
            }
            work(*slot.connection);
            return;
        } catch (...) {
            const auto failure = classify_current_exception();
            if (failure.connection_lost) {
                slot.connection.reset();
                if (reused && retry_if_broken && attempt == 0) {
                    continue;  // the connection went stale while idle; try a fresh one
                }
            }
            rethrow_translated(failure);
        }
    }
}

}  // namespace deliveryd::store
