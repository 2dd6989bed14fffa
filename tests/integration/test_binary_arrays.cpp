// The server reads what BinaryArray writes as the values meant: every
// element type the store binds, NULLs, the empty array, and text cleaned of
// what PostgreSQL text cannot hold.
#include <chrono>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "store/pg_binary_array.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using store::BinaryArray;
using store::PgType;

struct BinaryArrays : ::testing::Test {
    void SetUp() override {
        if (testing::admin_url().empty()) {
            GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)";
        }
        db = std::make_unique<testing::ScratchDatabase>();
        connection = std::make_unique<pqxx::connection>(db->url());
    }

    // The array as the server reads it, as text, in UTC.
    std::string server_text(BinaryArray& array, const std::string& type) {
        pqxx::work tx(*connection);
        tx.exec("SET TIME ZONE 'UTC'");
        return tx.exec_params1("SELECT $1::" + type + "::text", array.finish())[0]
            .as<std::string>();
    }

    std::unique_ptr<testing::ScratchDatabase> db;
    std::unique_ptr<pqxx::connection> connection;
};

TEST_F(BinaryArrays, TheServerReadsEveryElementTypeAsMeant) {
    BinaryArray text(PgType::text);
    text.add(std::string_view("a \"quoted\", comma"));
    text.add_null();
    text.add(std::string_view("nul\0and \xff", 9));
    text.add(std::string_view("Vi\xe1\xbb\x87t"));
    EXPECT_EQ(server_text(text, "text[]"),
              "{\"a \\\"quoted\\\", comma\",NULL,\"nuland \xef\xbf\xbd\",Vi\xe1\xbb\x87t}");

    BinaryArray int4(PgType::int4);
    int4.add(std::int32_t{INT32_MIN});
    int4.add(std::int32_t{0});
    int4.add(std::int32_t{INT32_MAX});
    EXPECT_EQ(server_text(int4, "int4[]"), "{-2147483648,0,2147483647}");

    BinaryArray int8(PgType::int8);
    int8.add(std::int64_t{INT64_MIN});
    int8.add(std::int64_t{42});
    EXPECT_EQ(server_text(int8, "int8[]"), "{-9223372036854775808,42}");

    BinaryArray boolean(PgType::boolean);
    boolean.add(true);
    boolean.add(false);
    boolean.add_null();
    EXPECT_EQ(server_text(boolean, "bool[]"), "{t,f,NULL}");

    BinaryArray numeric(PgType::numeric);
    for (const std::int64_t value : std::initializer_list<std::int64_t>{
             0, 1, 9'999, 10'000, 8'500'000, 123'456'789'012, -15'000}) {
        numeric.add(core::Price{value});
    }
    EXPECT_EQ(server_text(numeric, "numeric[]"),
              "{0.0000,0.0001,0.9999,1.0000,850.0000,12345678.9012,-1.5000}");

    BinaryArray times(PgType::timestamptz);
    times.add(core::Timestamp{std::chrono::microseconds{1'750'000'000'123'456}});
    times.add(core::Timestamp{std::chrono::seconds{0}});
    EXPECT_EQ(server_text(times, "timestamptz[]"),
              "{\"2025-06-15 15:06:40.123456+00\",\"1970-01-01 00:00:00+00\"}");
}

TEST_F(BinaryArrays, AnEmptyArrayIsEmpty) {
    BinaryArray empty(PgType::text);
    EXPECT_EQ(server_text(empty, "text[]"), "{}");
}

TEST_F(BinaryArrays, AnArrayOfAnotherElementTypeIsRefused) {
    BinaryArray int4(PgType::int4);
    int4.add(std::int32_t{1});
    EXPECT_THROW((void)server_text(int4, "int8[]"), pqxx::sql_error);
}

// A column NULL in every row, sent empty, still gives every row a NULL when
// unnested in a SELECT list beside a full one (as the store's statements do).
TEST_F(BinaryArrays, AnEmptyArrayBesideAFullOneGivesEveryRowNull) {
    BinaryArray ids(PgType::text);
    BinaryArray nulls(PgType::int4);
    for (const auto* id : {"a", "b", "c"}) {
        ids.add(std::string_view(id));
        nulls.add_null();
    }
    const auto empty = nulls.take_nulls_as_empty();
    pqxx::work tx(*connection);
    const auto rows = tx.exec_params(
        "SELECT coalesce(string_agg(id || ':' || coalesce(n::text, 'NULL'), ','), '') "
        "FROM (SELECT unnest($1::text[]) AS id, unnest($2::int4[]) AS n) AS u",
        ids.finish(), pqxx::binarystring(empty.bytes().data(), empty.bytes().size()));
    EXPECT_EQ(rows[0][0].as<std::string>(), "a:NULL,b:NULL,c:NULL");
}

}  // namespace
}  // namespace deliveryd
