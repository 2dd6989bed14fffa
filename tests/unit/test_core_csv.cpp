// parse_csv: RFC 4180 quoting, line endings, and the errors it names.
#include <gtest/gtest.h>

#include "deliveryd/core/csv.hpp"

namespace deliveryd::core {
namespace {

std::vector<std::vector<std::string>> fields_of(std::string_view text) {
    std::vector<std::vector<std::string>> out;
    for (auto& record : parse_csv(text)) {
        out.push_back(std::move(record.fields));
    }
    return out;
}

using Rows = std::vector<std::vector<std::string>>;

TEST(Csv, PlainQuotedAndEmptyFields) {
    EXPECT_EQ(fields_of("a,b,c\n1,,3\n"), (Rows{{"a", "b", "c"}, {"1", "", "3"}}));
    EXPECT_EQ(fields_of("\"x,y\",\"say \"\"hi\"\"\",\"\"\r\n"), (Rows{{"x,y", "say \"hi\"", ""}}));
    EXPECT_EQ(fields_of("a,\n"), (Rows{{"a", ""}})) << "a trailing comma ends an empty field";
}

TEST(Csv, LineEndingsBlankLinesAndByteOrderMark) {
    EXPECT_EQ(fields_of("\xEF\xBB\xBFid\r\n1\r\n\r\n2"), (Rows{{"id"}, {"1"}, {"2"}}));
    EXPECT_EQ(fields_of("a\rb\n"), (Rows{{"a"}, {"b"}}));
    EXPECT_TRUE(fields_of("").empty());
}

TEST(Csv, AQuotedFieldMaySpanLinesAndRecordsKnowTheirLine) {
    const auto records = parse_csv("h\n\"two\nlines\"\nlast\n");
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[1].fields, std::vector<std::string>{"two\nlines"});
    EXPECT_EQ(records[1].line, 2u);
    EXPECT_EQ(records[2].line, 4u);
}

TEST(Csv, MalformedQuotingIsAnErrorNamingTheLine) {
    try {
        (void)parse_csv("a\nb\"c\n");
        FAIL() << "expected CsvError";
    } catch (const CsvError& e) {
        EXPECT_EQ(e.line(), 2u);
        EXPECT_STREQ(e.what(), "line 2: a quote inside an unquoted field");
    }
    EXPECT_THROW((void)parse_csv("\"open\n"), CsvError);
    EXPECT_THROW((void)parse_csv("\"a\"b\n"), CsvError);
}

}  // namespace
}  // namespace deliveryd::core
