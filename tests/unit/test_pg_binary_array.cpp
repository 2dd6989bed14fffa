// BinaryArray writes the wire form array_recv reads: the header, each
// element's length and bytes in network order, NULLs, the empty array, and
// numeric and timestamptz as PostgreSQL counts them. (That the server reads
// them so is shown against a real one in tests/integration.)
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "store/pg_binary_array.hpp"
#include "support/binary_array_text.hpp"

namespace deliveryd::store {
namespace {

std::string bytes_of(const pqxx::binarystring& array) {
    return std::string(array.get(), array.size());
}

std::string bytes_of(const BinaryParam& array) {
    return std::string(array.bytes());
}

TEST(BinaryArray, WritesTheHeaderThenEachElementWithItsLength) {
    BinaryArray array(PgType::int4);
    array.add(std::int32_t{1});
    array.add_null();
    array.add(std::int32_t{-2});
    using namespace std::string_literals;
    const auto expected =
        "\0\0\0\1"s                   // one dimension
        "\0\0\0\1"s                   // with NULLs
        "\0\0\0\x17"s                 // of int4 (OID 23)
        "\0\0\0\3\0\0\0\1"s           // three elements from index 1
        "\0\0\0\4\0\0\0\1"s           // 1
        "\xff\xff\xff\xff"s           // NULL
        "\0\0\0\4\xff\xff\xff\xfe"s;  // -2
    EXPECT_EQ(bytes_of(array.finish()), expected);
}

TEST(BinaryArray, AnEmptyArrayHasNoDimension) {
    BinaryArray array(PgType::text);
    using namespace std::string_literals;
    EXPECT_EQ(bytes_of(array.finish()), "\0\0\0\0\0\0\0\0\0\0\0\x19"s);
}

TEST(BinaryArray, AnArrayOfNullsAloneCanBeSentEmpty) {
    using namespace std::string_literals;
    BinaryArray nulls(PgType::text);
    nulls.add_null();
    nulls.add_null();
    EXPECT_EQ(bytes_of(nulls.take_nulls_as_empty()), "\0\0\0\0\0\0\0\0\0\0\0\x19"s);

    BinaryArray some(PgType::int4);
    some.add_null();
    some.add(std::int32_t{7});
    BinaryArray same(PgType::int4);
    same.add_null();
    same.add(std::int32_t{7});
    EXPECT_EQ(bytes_of(some.take_nulls_as_empty()), bytes_of(same.finish()))
        << "an array with a value is sent whole";
}

TEST(BinaryArray, TakenArraysAreTheBytesFinishedOnesCopy) {
    for (const int count : {0, 1, 3}) {
        BinaryArray taken(PgType::text);
        BinaryArray finished(PgType::text);
        for (int i = 0; i < count; ++i) {
            taken.add(std::string_view("value"));
            finished.add(std::string_view("value"));
        }
        EXPECT_EQ(bytes_of(taken.take()), bytes_of(finished.finish())) << count << " elements";
    }
}

TEST(BinaryArray, TextIsCleanedOfWhatPostgresqlCannotHold) {
    BinaryArray array(PgType::text);
    array.add(std::string_view("plain"));
    array.add(std::string_view("nul\0byte", 8));
    array.add(std::string_view("bad \xff byte"));
    array.add(std::string_view("Vi\xe1\xbb\x87t"));
    const auto text = testing::array_text(array.finish());
    ASSERT_EQ(text.elements.size(), 4U);
    EXPECT_EQ(text.elements[0], "plain");
    EXPECT_EQ(text.elements[1], "nulbyte");
    EXPECT_EQ(text.elements[2], "bad \xef\xbf\xbd byte");
    EXPECT_EQ(text.elements[3], "Vi\xe1\xbb\x87t");
}

TEST(BinaryArray, PricesAreNumericsWithFourDecimals) {
    BinaryArray array(PgType::numeric);
    for (const std::int64_t value : std::initializer_list<std::int64_t>{
             0, 1, 9'999, 10'000, 8'500'000, 123'456'789'012, -15'000, INT64_MAX, INT64_MIN + 1}) {
        array.add(core::Price{value});
    }
    const auto finished = array.finish();
    const auto text = testing::array_text(finished);
    ASSERT_EQ(text.elements.size(), 9U);
    EXPECT_EQ(text.elements[0], "0");
    EXPECT_EQ(text.elements[1], "1");
    EXPECT_EQ(text.elements[2], "9999");
    EXPECT_EQ(text.elements[3], "10000");
    EXPECT_EQ(text.elements[4], "8500000");
    EXPECT_EQ(text.elements[5], "123456789012");
    EXPECT_EQ(text.elements[6], "-15000");
    EXPECT_EQ(text.elements[7], std::to_string(INT64_MAX));
    EXPECT_EQ(text.elements[8], std::to_string(INT64_MIN + 1));

    // 850.0000: two base-10000 digits, 850 and 0, the first of weight 0.
    BinaryArray one(PgType::numeric);
    one.add(core::Price{8'500'000});
    using namespace std::string_literals;
    EXPECT_EQ(bytes_of(one.finish()).substr(20),
              "\0\0\0\x0c"s        // 12 bytes
              "\0\2\0\0\0\0\0\4"s  // 2 digits, weight 0, positive, 4 decimals
              "\x03\x52\0\0"s);    // 850, 0
}

TEST(BinaryArray, TimesCountFromTheYear2000) {
    BinaryArray array(PgType::timestamptz);
    array.add(core::Timestamp{std::chrono::seconds{946'684'800}});
    array.add(core::Timestamp{std::chrono::microseconds{1'750'000'000'123'456}});
    using namespace std::string_literals;
    const auto bytes = bytes_of(array.finish());
    EXPECT_EQ(bytes.substr(20, 12), "\0\0\0\x08\0\0\0\0\0\0\0\0"s);
    const auto text = testing::array_text(pqxx::binarystring(bytes.data(), bytes.size()));
    EXPECT_EQ(text.elements[1], "1750000000123456");
}

TEST(BinaryArray, AValueOfAnotherTypeIsAMistake) {
    BinaryArray array(PgType::text);
    EXPECT_THROW(array.add(std::int32_t{1}), std::logic_error);
    EXPECT_THROW(array.add(true), std::logic_error);
}

}  // namespace
}  // namespace deliveryd::store
