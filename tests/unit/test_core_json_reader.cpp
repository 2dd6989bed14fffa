// Numbers as numbers or strings, names in any case, null as absent.
#include <gtest/gtest.h>

#include "deliveryd/core/json_reader.hpp"

namespace deliveryd::core {
namespace {

boost::json::object object(std::string_view text) {
    auto value = parse_json(text);
    EXPECT_TRUE(value && value->is_object()) << text;
    return value && value->is_object() ? value->get_object() : boost::json::object{};
}

TEST(CoreJsonReader, IntegersFromNumbersOrStrings) {
    const auto o = object(
        R"({"a":5,"b":"5","c":5.0,"d":5.5,"e":"x","f":null,"g":"","h":-1,"i":1e300,"j":18446744073709551615,"k":true})");
    JsonReader r(o);
    EXPECT_EQ(r.count("a"), 5);
    EXPECT_EQ(r.count("b"), 5);
    EXPECT_EQ(r.count("c"), 5);
    EXPECT_EQ(r.count("f"), std::nullopt);
    EXPECT_EQ(r.count("g"), std::nullopt);
    EXPECT_EQ(r.count("missing"), std::nullopt);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.count("d"), std::nullopt);
    EXPECT_EQ(r.error(), "field 'd': not an integer in range");
    EXPECT_EQ(r.count("e"), std::nullopt);
    EXPECT_EQ(r.error(), "field 'd': not an integer in range");  // the first problem stays
    for (const char* key : {"h", "i", "j", "k"}) {
        JsonReader fresh(o);
        EXPECT_EQ(fresh.count(key), std::nullopt) << key;
        EXPECT_FALSE(fresh.ok()) << key;
    }
    JsonReader signed_reader(o);
    EXPECT_EQ(signed_reader.integer("h", -10, 10), -1);
}

TEST(CoreJsonReader, NamesIgnoreCaseExactFirst) {
    const auto o = object(R"({"telcoid":1,"TelcoId":2,"SMSID":"x"})");
    JsonReader r(o);
    EXPECT_EQ(r.count("TelcoId"), 2);
    EXPECT_EQ(r.count("telcoid"), 1);
    EXPECT_EQ(r.count("TELCOID"), 1);  // the first case-insensitive match
    EXPECT_EQ(r.text("smsid"), "x");
}

TEST(CoreJsonReader, TextsAndIds) {
    const auto o = object(
        R"({"s":"abc","n":1090257973118325189,"big":18446744073709551615,"d":1.5,"o":{},"bad":"a\u0000b"})");
    JsonReader r(o);
    EXPECT_EQ(r.text("s"), "abc");
    EXPECT_EQ(r.text("n"), "1090257973118325189");
    EXPECT_EQ(r.text("big"), "18446744073709551615");
    EXPECT_EQ(r.text("bad"),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(r.text("s", 2), "ab");
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.text("d"), std::nullopt);
    EXPECT_FALSE(r.ok());
    JsonReader r2(o);
    EXPECT_EQ(r2.text("o"), std::nullopt);
    EXPECT_EQ(r2.error(), "field 'o': not a string");
}

TEST(CoreJsonReader, PricesExactFromNumbersAndStrings) {
    const auto o = object(
        R"({"a":850.0000,"b":"850.0000","c":0.0,"d":0.1234,"e":696987,"f":-1,"g":0.12345,"h":1e20,"i":12345678901234.5678})");
    JsonReader r(o);
    EXPECT_EQ(r.price("a"), Price{8'500'000});
    EXPECT_EQ(r.price("b"), Price{8'500'000});
    EXPECT_EQ(r.price("c"), Price{0});
    EXPECT_EQ(r.price("d"), Price{1'234});
    EXPECT_EQ(r.price("e"), Price{6'969'870'000});
    EXPECT_TRUE(r.ok());
    for (const char* key : {"f", "g", "h"}) {
        JsonReader fresh(o);
        EXPECT_EQ(fresh.price(key), std::nullopt) << key;
        EXPECT_FALSE(fresh.ok()) << key;
    }
    // 18 significant digits do not survive a double: refused rather than rounded.
    JsonReader precise(o);
    EXPECT_EQ(precise.price("i"), std::nullopt);
}

TEST(CoreJsonReader, Times) {
    const auto o = object(
        R"({"ms":"1767678030984","msn":1767678030984,"zero":"0","t":"2019-08-24T14:15:22Z","go":"0001-01-01T00:00:00Z","bad":"yesterday"})");
    JsonReader r(o);
    EXPECT_EQ(r.epoch_millis("ms"), r.epoch_millis("msn"));
    EXPECT_TRUE(r.epoch_millis("ms").has_value());
    EXPECT_EQ(r.epoch_millis("zero"), std::nullopt);
    EXPECT_TRUE(r.rfc3339("t").has_value());
    EXPECT_EQ(r.rfc3339("go"), std::nullopt);  // Go's zero time means unset
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.rfc3339("bad"), std::nullopt);
    EXPECT_FALSE(r.ok());
}

TEST(CoreJsonReader, ParseJsonNeverThrows) {
    EXPECT_FALSE(parse_json("").has_value());
    EXPECT_FALSE(parse_json("{").has_value());
    EXPECT_FALSE(parse_json("{} {}").has_value());
    EXPECT_FALSE(parse_json(std::string(10'000, '[')).has_value());
    EXPECT_TRUE(parse_json(" {\"a\":\"\xFF\"} ").has_value());  // bad UTF-8 repaired later
}

}  // namespace
}  // namespace deliveryd::core
