// The form-encoded query: escapes checked, parameters split, values decoded.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/core/form_query.hpp"

namespace deliveryd::core {
namespace {

using Parameter = std::pair<std::string, std::optional<std::string>>;

std::vector<Parameter> parameters_of(std::string_view query) {
    std::vector<Parameter> out;
    for_each_query_parameter(
        query, [&](std::string_view name, std::optional<std::string_view> value) {
            out.emplace_back(std::string(name),
                             value ? std::optional<std::string>(*value) : std::nullopt);
        });
    return out;
}

TEST(CoreFormQuery, EscapesAreTwoHexDigits) {
    for (const char* good : {"", "a=b", "a=%41", "a=%4a%4A&b=%00", "%41%42", "a=b%20"}) {
        EXPECT_TRUE(escapes_are_well_formed(good)) << good;
    }
    for (const char* bad : {"%", "a=%4", "a=%zz", "a=%4g", "50%", "a=%%41", "SM%G1ID=a"}) {
        EXPECT_FALSE(escapes_are_well_formed(bad)) << bad;
    }
}

TEST(CoreFormQuery, ParametersSplitAtAmpersandsAndTheFirstEquals) {
    EXPECT_EQ(parameters_of("a=1&b=&c&d=x=y"),
              (std::vector<Parameter>{{"a", "1"}, {"b", ""}, {"c", std::nullopt}, {"d", "x=y"}}));
    EXPECT_EQ(parameters_of(""), (std::vector<Parameter>{{"", std::nullopt}}));
    EXPECT_EQ(
        parameters_of("a&&b"),
        (std::vector<Parameter>{{"a", std::nullopt}, {"", std::nullopt}, {"b", std::nullopt}}));
}

TEST(CoreFormQuery, DecodingTurnsPlusIntoSpaceAndEscapesIntoBytes) {
    EXPECT_FALSE(needs_form_decoding("plain{}\"=&"));
    EXPECT_TRUE(needs_form_decoding("a+b"));
    EXPECT_TRUE(needs_form_decoding("a%20b"));
    EXPECT_EQ(form_decoded("plain"), "plain");
    EXPECT_EQ(form_decoded("a+b%20c"), "a b c");
    EXPECT_EQ(form_decoded("%7B%22e%22%3A1%7d"), "{\"e\":1}");
    EXPECT_EQ(form_decoded("%2B"), "+");
    EXPECT_EQ(form_decoded("x%00y"), std::string("x\0y", 3));
    EXPECT_EQ(form_decoded("%C3%A1"), "\xC3\xA1");
    EXPECT_EQ(form_decoded("{raw}\"quotes\""), "{raw}\"quotes\"");
}

}  // namespace
}  // namespace deliveryd::core
