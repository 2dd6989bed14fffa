// Statements with binary array parameters sent through libpq directly, on a
// libpqxx connection: answers read as text, failures thrown as libpqxx
// throws them, and a statement inside a libpqxx transaction part of it.
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "store/libpq_exec.hpp"
#include "store/pg_binary_array.hpp"
#include "store/pg_connection.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using store::BinaryArray;
using store::BinaryParams;
using store::PgType;

BinaryParams ints(std::initializer_list<std::int32_t> values) {
    BinaryArray array(PgType::int4);
    for (const auto value : values) {
        array.add(value);
    }
    BinaryParams params;
    params.push_back(array.take());
    return params;
}

struct LibpqExec : ::testing::Test {
    void SetUp() override {
        if (testing::admin_url().empty()) {
            GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)";
        }
        db = std::make_unique<testing::ScratchDatabase>(/*migrated=*/false);
        db->execute("CREATE TABLE numbers (n int PRIMARY KEY)");
        connection = std::make_unique<store::PgConnection>(db->url());
        connection->prepare("insert_numbers", "INSERT INTO numbers SELECT unnest($1::int4[])");
    }

    int count() {
        pqxx::nontransaction tx(*connection);
        return tx.exec1("SELECT count(*) FROM numbers")[0].as<int>();
    }

    std::unique_ptr<testing::ScratchDatabase> db;
    std::unique_ptr<store::PgConnection> connection;
};

TEST_F(LibpqExec, RunsAStatementLibpqxxHasNotPreparedYetAndReadsItsRows) {
    connection->prepare("echo", "SELECT unnest($1::int4[])::text, NULL::text");
    const auto params = ints({7, -1});
    const auto result = store::exec_prepared(*connection, "echo", store::bytes_of({&params}));
    ASSERT_EQ(result.rows(), 2);
    EXPECT_EQ(std::string_view(result.text(0, 0)), "7");
    EXPECT_EQ(std::string_view(result.text(1, 0)), "-1");
    EXPECT_FALSE(result.is_null(0, 0));
    EXPECT_TRUE(result.is_null(0, 1));
}

TEST_F(LibpqExec, ParametersBuiltInPartsAreSentInOrder) {
    connection->prepare("pair", "SELECT $1::int4[] || $2::int4[]");
    const auto first = ints({1, 2});
    const auto second = ints({3});
    const auto result =
        store::exec_prepared(*connection, "pair", store::bytes_of({&first, &second}));
    EXPECT_EQ(std::string_view(result.text(0, 0)), "{1,2,3}");
}

TEST_F(LibpqExec, ADuplicateKeyIsAUniqueViolationAndOtherErrorsCarryTheirState) {
    const auto one = ints({1});
    static_cast<void>(store::exec_prepared(*connection, "insert_numbers", store::bytes_of({&one})));
    EXPECT_THROW(static_cast<void>(
                     store::exec_prepared(*connection, "insert_numbers", store::bytes_of({&one}))),
                 pqxx::unique_violation);

    connection->prepare("divide", "SELECT 1 / unnest($1::int4[])");
    const auto zero = ints({0});
    try {
        static_cast<void>(store::exec_prepared(*connection, "divide", store::bytes_of({&zero})));
        ADD_FAILURE() << "division by zero was not refused";
    } catch (const pqxx::sql_error& e) {
        EXPECT_EQ(e.sqlstate(), "22012");
        EXPECT_EQ(e.query(), "divide");
    }
    EXPECT_EQ(count(), 1) << "the connection is still usable";
}

TEST_F(LibpqExec, InsideALibpqxxTransactionTheStatementIsPartOfIt) {
    const auto params = ints({5, 6});
    {
        pqxx::work tx(*connection);
        static_cast<void>(
            store::exec_prepared(*connection, "insert_numbers", store::bytes_of({&params})));
        tx.abort();
    }
    EXPECT_EQ(count(), 0);
    {
        pqxx::work tx(*connection);
        static_cast<void>(
            store::exec_prepared(*connection, "insert_numbers", store::bytes_of({&params})));
        tx.commit();
    }
    EXPECT_EQ(count(), 2);
}

TEST_F(LibpqExec, ALostConnectionIsABrokenConnection) {
    const auto params = ints({9});
    static_cast<void>(
        store::exec_prepared(*connection, "insert_numbers", store::bytes_of({&params})));
    db->execute("SELECT pg_terminate_backend(" + std::to_string(connection->backendpid()) + ")");
    const auto more = ints({10});
    EXPECT_THROW(static_cast<void>(
                     store::exec_prepared(*connection, "insert_numbers", store::bytes_of({&more}))),
                 pqxx::broken_connection);
}

TEST_F(LibpqExec, TheHandleIsTheOpenConnectionsAndGoesWithIt) {
    ASSERT_NE(connection->handle(), nullptr);
    EXPECT_EQ(PQbackendPID(connection->handle()), connection->backendpid());
    connection->disconnect();
    EXPECT_EQ(connection->handle(), nullptr);
}

}  // namespace
}  // namespace deliveryd
