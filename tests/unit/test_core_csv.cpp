// parse_csv: RFC 4180 quoting, line endings, and the errors it names; and
// for_each_csv_record, which reads the same from a stream a block at a time.
#include <sstream>

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

// Every block size, from one byte up, gives the records and line numbers
// parse_csv gives for the whole text, whatever a block boundary splits: a
// quoted field with line breaks and doubled quotes, CRLF, a byte order mark.
TEST(Csv, AStreamReadInBlocksGivesWhatTheWholeTextGives) {
    const std::string text =
        "\xEF\xBB\xBFid,note\r\n"
        "1,\"two\nlines, and \"\"quotes\"\"\"\r\n"
        "\n"
        "2,\"\"\n"
        "3,plain\r"
        "4,\"last\nrow\"";
    const auto whole = parse_csv(text);
    for (std::size_t block = 1; block <= text.size() + 1; ++block) {
        std::istringstream in(text);
        std::vector<CsvRecord> streamed;
        for_each_csv_record(
            in, [&](const CsvRecord& record) { streamed.push_back(record); }, block);
        ASSERT_EQ(streamed.size(), whole.size()) << "block " << block;
        for (std::size_t i = 0; i < whole.size(); ++i) {
            EXPECT_EQ(streamed[i].line, whole[i].line) << "block " << block << " record " << i;
            EXPECT_EQ(streamed[i].fields, whole[i].fields) << "block " << block << " record " << i;
        }
    }
}

TEST(Csv, AStreamReportsAnErrorAtItsLine) {
    for (const std::size_t block : {1, 4, 64}) {
        std::istringstream in("a\nb\nc,\"open\nstill\n");
        std::size_t records = 0;
        try {
            for_each_csv_record(
                in, [&](const CsvRecord&) { ++records; }, block);
            FAIL() << "an open quote was read";
        } catch (const CsvError& e) {
            EXPECT_EQ(e.line(), 3U) << "block " << block;
        }
        EXPECT_LE(records, 2U);
    }
}

}  // namespace
}  // namespace deliveryd::core
