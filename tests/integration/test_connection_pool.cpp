// The pool's sessions: a statement timeout and an idle-transaction timeout when asked.
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/errors.hpp"

#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;

std::string setting(store::ConnectionPool& pool, const std::string& name) {
    std::string value;
    pool.with_connection([&](pqxx::connection_base& c) {
        pqxx::nontransaction tx(c);
        value = tx.exec1("SELECT current_setting('" + name + "')")[0].as<std::string>();
    });
    return value;
}

TEST(ConnectionPool, AStatementTimeoutEndsALongStatement) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    store::ConnectionPool pool({.url = db.url(), .size = 1, .statement_timeout = 200ms});
    EXPECT_EQ(setting(pool, "statement_timeout"), "200ms");
    EXPECT_THROW(pool.with_connection([](pqxx::connection_base& c) {
        pqxx::nontransaction tx(c);
        tx.exec("SELECT pg_sleep(5)");
    }),
                 store::DatabaseUnavailable);  // 57014: retryable, the session is fine
    EXPECT_EQ(setting(pool, "statement_timeout"), "200ms") << "the same session goes on";

    store::ConnectionPool unlimited({.url = db.url(), .size = 1});
    EXPECT_EQ(setting(unlimited, "statement_timeout"), "0");
}

// A transaction left idle past the limit is ended by the server: nothing of
// it commits later.
TEST(ConnectionPool, AnIdleTransactionIsEndedByTheServer) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    db.execute("CREATE TABLE written (n int)");
    store::ConnectionPool pool({.url = db.url(), .size = 1, .idle_in_transaction_timeout = 200ms});
    EXPECT_EQ(setting(pool, "idle_in_transaction_session_timeout"), "200ms");
    bool committed = false;
    try {
        pool.with_connection([&](pqxx::connection_base& c) {
            pqxx::work tx(c);
            tx.exec("INSERT INTO written VALUES (1)");
            std::this_thread::sleep_for(600ms);
            tx.commit();
            committed = true;
        });
    } catch (const std::exception&) {
        // The session was ended: the pool reports the database unavailable.
    }
    EXPECT_FALSE(committed);
    pqxx::connection c(db.url());
    pqxx::nontransaction check(c);
    EXPECT_EQ(check.exec1("SELECT count(*) FROM written")[0].as<int>(), 0);
}

}  // namespace
}  // namespace deliveryd
