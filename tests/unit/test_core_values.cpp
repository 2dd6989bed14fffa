// Integers, prices, UTF-8 repair and timestamps: the scalar readers.
#include <string>

#include <gtest/gtest.h>

#include "deliveryd/core/numbers.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/core/time_text.hpp"

namespace deliveryd::core {
namespace {

TEST(CoreNumbers, Integers) {
    EXPECT_EQ(parse_int("0"), 0);
    EXPECT_EQ(parse_int("-124"), -124);
    EXPECT_EQ(parse_int("007"), 7);
    EXPECT_EQ(parse_int("2147483647"), 2147483647);
    EXPECT_EQ(parse_int("2147483648"), std::nullopt);
    EXPECT_EQ(parse_int("-2147483648"), -2147483647 - 1);
    EXPECT_EQ(parse_int("5", 0, 4), std::nullopt);
    for (const char* bad : {"", "-", "+1", " 1", "1 ", "1.0", "0x1", "1e3", "١"}) {
        EXPECT_EQ(parse_int(bad), std::nullopt) << bad;
    }
    EXPECT_EQ(parse_integer("9223372036854775807", 0, INT64_MAX), INT64_MAX);
    EXPECT_EQ(parse_integer("9223372036854775808", 0, INT64_MAX), std::nullopt);
    // Either side of the 18 digits summed without std::from_chars.
    EXPECT_EQ(parse_integer("999999999999999999", 0, INT64_MAX), 999'999'999'999'999'999);
    EXPECT_EQ(parse_integer("-999999999999999999", INT64_MIN, 0), -999'999'999'999'999'999);
    EXPECT_EQ(parse_integer("1000000000000000000", 0, INT64_MAX), 1'000'000'000'000'000'000);
    EXPECT_EQ(parse_integer("-9223372036854775808", INT64_MIN, 0), INT64_MIN);
    EXPECT_EQ(parse_integer("0000000000000000000000042", 0, INT64_MAX), 42);
    EXPECT_EQ(parse_int("0000000000000000000002147483648"), std::nullopt);
}

TEST(CoreNumbers, Prices) {
    EXPECT_EQ(parse_price("0.0000"), Price{0});
    EXPECT_EQ(parse_price("0.0"), Price{0});
    EXPECT_EQ(parse_price("696987.0000"), Price{6'969'870'000});
    EXPECT_EQ(parse_price("850"), Price{8'500'000});
    EXPECT_EQ(parse_price("0.1234"), Price{1'234});
    EXPECT_EQ(parse_price("1.5"), Price{15'000});
    EXPECT_EQ(parse_price("1.500000"), Price{15'000});
    EXPECT_EQ(parse_price("00000000000000000001"), Price{10'000});
    EXPECT_EQ(parse_price("99999999999999.9999"), Price{max_price_ten_thousandths});
    for (const char* bad : {"", ".", ".5", "5.", "1.23456", "-1", "+1", "1,5", "1.2.3",
                            "100000000000000", "1e3", " 1", "NaN", "inf"}) {
        EXPECT_EQ(parse_price(bad), std::nullopt) << bad;
    }
    EXPECT_EQ(format_price(Price{6'969'870'000}), "696987.0000");
    EXPECT_EQ(format_price(Price{1}), "0.0001");
    EXPECT_EQ(format_price(Price{-15'000}), "-1.5000");
    EXPECT_EQ(format_price(Price{INT64_MIN}), "-922337203685477.5808");
}

TEST(CoreText, ValidTextIsUnchanged) {
    const std::string vietnamese = "Tin nh\xE1\xBA\xAFn \xC4\x91\xC3\xA3 g\xE1\xBB\xADi";
    EXPECT_TRUE(is_valid_utf8(vietnamese));
    EXPECT_EQ(to_valid_utf8(vietnamese), vietnamese);
    EXPECT_EQ(to_valid_utf8("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
}

TEST(CoreText, BadBytesAndNulAreReplaced) {
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(to_valid_utf8(std::string("a\0b", 3)), "a" + fffd + "b");
    EXPECT_EQ(to_valid_utf8("\xFF"), fffd);
    EXPECT_EQ(to_valid_utf8("\xC0\xAF"), fffd + fffd);             // overlong
    EXPECT_EQ(to_valid_utf8("\xED\xA0\x80"), fffd + fffd + fffd);  // surrogate
    EXPECT_EQ(to_valid_utf8("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);
    EXPECT_EQ(to_valid_utf8("ab\xE1\xBA"), "ab" + fffd + fffd);  // truncated at the end
    EXPECT_FALSE(is_valid_utf8(std::string("\0", 1)));
}

TEST(CoreText, CutsAtACharacterBoundary) {
    EXPECT_EQ(to_valid_utf8("abcdef", 6), "abcdef");
    EXPECT_EQ(to_valid_utf8("abcdefg", 6), "abc\xE2\x80\xA6");
    // "ệ" is 3 bytes: never split it.
    EXPECT_EQ(to_valid_utf8("a\xE1\xBB\x87\xE1\xBB\x87\xE1\xBB\x87", 7),
              "a\xE1\xBB\x87\xE2\x80\xA6");
    EXPECT_EQ(to_valid_utf8("a\xE1\xBB\x87\xE1\xBB\x87\xE1\xBB\x87", 6), "a\xE2\x80\xA6");
    EXPECT_EQ(to_valid_utf8("abcdef", 2), "ab");
    EXPECT_EQ(to_valid_utf8("abcdef", 0), "");
    for (std::size_t limit = 0; limit < 20; ++limit) {
        const auto cut = to_valid_utf8("\xE1\xBB\x87\xF0\x9F\x98\x80xyz\xE1\xBB\x87", limit);
        EXPECT_LE(cut.size(), limit);
        EXPECT_TRUE(is_valid_utf8(cut)) << limit;
    }
}

TEST(CoreTimeText, Rfc3339) {
    EXPECT_EQ(format_rfc3339(*parse_rfc3339("2019-08-24T14:15:22Z")),
              "2019-08-24T14:15:22.000000Z");
    EXPECT_EQ(format_rfc3339(*parse_rfc3339("2025-06-14T09:22:59.089Z")),
              "2025-06-14T09:22:59.089000Z");
    EXPECT_EQ(format_rfc3339(*parse_rfc3339("2024-04-24T16:58:01+07:00")),
              "2024-04-24T09:58:01.000000Z");
    EXPECT_EQ(format_rfc3339(*parse_rfc3339("2024-01-01t00:30:00.1234567-01:30")),
              "2024-01-01T02:00:00.123456Z");
    EXPECT_EQ(format_rfc3339(*parse_rfc3339("2016-12-31T23:59:60Z")),
              "2016-12-31T23:59:59.999999Z");
    for (const char* bad :
         {"", "2019-08-24", "2019-08-24T14:15:22", "2019-02-30T00:00:00Z", "2019-08-24T24:00:00Z",
          "2019-08-24T14:15:22.Z", "2019-08-24T14:15:22+0700", "2019-08-24T14:15:22Zjunk",
          "19-08-24T14:15:22Z"}) {
        EXPECT_EQ(parse_rfc3339(bad), std::nullopt) << bad;
    }
}

TEST(CoreTimeText, WcfDatesAndEsmsLocalTimeText) {
    // GetSmsSentData_V2's SentTime, as eSMS's documentation shows it.
    const auto sent = parse_wcf_date("/Date(1705484048995+0700)/");
    ASSERT_TRUE(sent.has_value());
    EXPECT_EQ(format_rfc3339(*sent), "2024-01-17T09:34:08.995000Z");
    EXPECT_EQ(parse_wcf_date("/Date(1705484048995)/"), sent);
    EXPECT_EQ(parse_wcf_date("/Date(1705484048995-0530)/"), sent);
    for (const auto* bad : {"", "/Date()/", "/Date(-5)/", "/Date(0)/", "/Date(12+07)/",
                            "/Date(12+0700", "Date(12)/", "/Date(12+2500)/", "/Date(+0700)/",
                            "/Date(12+07000)/", "/Date(1a)/", "/Date(12+07a0)/"}) {
        EXPECT_EQ(parse_wcf_date(bad), std::nullopt) << bad;
    }
    // From/To of the listing: Vietnam time, whole seconds.
    EXPECT_EQ(format_esms_local_time(*sent), "2024-01-17 16:34:08");
    EXPECT_EQ(parse_esms_local_time("17/01/2024 16:34:08"),
              std::chrono::floor<std::chrono::seconds>(*sent));
    EXPECT_EQ(format_esms_local_time(*parse_rfc3339("2024-12-31T17:00:00Z")),
              "2025-01-01 00:00:00");
}

TEST(CoreTimeText, EpochMillisAndEsmsLocalTime) {
    EXPECT_EQ(format_rfc3339(*parse_epoch_millis("1767678030984")), "2026-01-06T05:40:30.984000Z");
    EXPECT_EQ(parse_epoch_millis("0"), std::nullopt);
    EXPECT_EQ(parse_epoch_millis("-5"), std::nullopt);
    EXPECT_EQ(parse_epoch_millis("99999999999999999"), std::nullopt);
    EXPECT_EQ(format_rfc3339(*parse_esms_local_time("24/04/2024 16:58:01")),
              "2024-04-24T09:58:01.000000Z");
    EXPECT_EQ(parse_esms_local_time("31/02/2024 16:58:01"), std::nullopt);
    EXPECT_EQ(parse_esms_local_time("24/04/2024 16:58"), std::nullopt);
    EXPECT_EQ(parse_esms_local_time("2024-04-24 16:58:01"), std::nullopt);
}

TEST(CoreText, LogTextHasNoControlCharactersAndStaysShort) {
    EXPECT_EQ(to_log_text("line\nbreak\r\x1b[31m\x7f"), "line?break??[31m?");
    EXPECT_EQ(to_log_text("Tin nh\xE1\xBA\xAFn"), "Tin nh\xE1\xBA\xAFn") << "UTF-8 text stays";
    EXPECT_LE(to_log_text(std::string(1000, 'x')).size(), 200U);
}

TEST(CoreText, BlanksAroundAreTrimmedAndOthersKept) {
    EXPECT_EQ(trim(" \tsms_id \t"), "sms_id");
    EXPECT_EQ(trim("0901 234 567"), "0901 234 567") << "blanks inside stay";
    EXPECT_EQ(trim(" \t "), "");
    EXPECT_EQ(trim(""), "");
    EXPECT_EQ(trim("\nid\n"), "\nid\n") << "only spaces and tabs";
    EXPECT_EQ(trim("\r\n id \n", " \t\r\n"), "id") << "or what the caller names";
}

}  // namespace
}  // namespace deliveryd::core
