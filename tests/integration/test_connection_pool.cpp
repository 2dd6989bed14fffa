// The pool's sessions: a statement timeout when asked for one.
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

}  // namespace
}  // namespace deliveryd
