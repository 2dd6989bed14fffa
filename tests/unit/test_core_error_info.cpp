// error_info in every shape of the seeds, and input that is not.
#include <string>

#include <gtest/gtest.h>

#include "deliveryd/core/error_info.hpp"
#include "deliveryd/core/time_text.hpp"

namespace deliveryd::core {
namespace {

TEST(CoreErrorInfo, PlainJsonOfAUidSend) {
    // eSMS's sample for a send by Zalo user id (tests/data/seeds/error_info_uid_send.txt).
    const auto info = parse_error_info(
        R"({"error":0,"message":"Success","data":{"delivery_time":null,"message":"The message was delivered to the user's phone","status":1}})");
    EXPECT_TRUE(info.is_json);
    EXPECT_EQ(info.error_code, 0);
    EXPECT_EQ(info.error_message, "Success");
    EXPECT_EQ(info.data.status, 1);
    EXPECT_EQ(info.data.delivery_time, std::nullopt);
    EXPECT_EQ(info.data.message, "The message was delivered to the user's phone");
    EXPECT_EQ(info.data.message_id, std::nullopt);
    EXPECT_EQ(info.stamped_at, std::nullopt);
    EXPECT_EQ(info.trailing, "");
}

TEST(CoreErrorInfo, JsonWrappedInAJsonString) {
    // Seed 001, ZNS failure: what remains after the query's decode.
    const auto info = parse_error_info(
        R"("{\"error\":-114,\"message\":\"User is inactive, or reject the message, or using an outdated Zalo version, or other internal errors\"}")");
    EXPECT_TRUE(info.is_json);
    EXPECT_EQ(info.error_code, -114);
    EXPECT_EQ(info.error_message,
              "User is inactive, or reject the message, or using an outdated Zalo version, or "
              "other internal errors");
    EXPECT_EQ(info.data, ZaloData{});
}

TEST(CoreErrorInfo, PercentEncodedTwiceWithStamp) {
    // Seed 001, consulting message, after the query's own decode.
    const auto info = parse_error_info(
        "%7B%22data%22:%7B%22message_id%22:%22e1a60e8890be9de4c4ab%22,%22user_id%22:"
        "%2231215806834323092%22%7D,%22error%22:0,%22message%22:%22Success%22%7D"
        "____24/04/2024%2016:58:01");
    EXPECT_TRUE(info.is_json);
    EXPECT_EQ(info.error_code, 0);
    EXPECT_EQ(info.error_message, "Success");
    EXPECT_EQ(info.data.message_id, "e1a60e8890be9de4c4ab");
    EXPECT_EQ(info.data.user_id, "31215806834323092");
    EXPECT_EQ(info.data.status, std::nullopt);
    ASSERT_TRUE(info.stamped_at.has_value());
    EXPECT_EQ(format_rfc3339(*info.stamped_at), "2024-04-24T09:58:01.000000Z");  // UTC+7
    EXPECT_EQ(info.trailing, "");
}

TEST(CoreErrorInfo, JsonFollowedByDotNetText) {
    // Seed 000, GetCallback's ErrorInfo.
    const auto info = parse_error_info(
        R"({"error":-124,"message":"Access token is invalid"}Object reference not set to an instance of an object.)");
    EXPECT_TRUE(info.is_json);
    EXPECT_EQ(info.error_code, -124);
    EXPECT_EQ(info.error_message, "Access token is invalid");
    EXPECT_EQ(info.trailing, "Object reference not set to an instance of an object.");
}

TEST(CoreErrorInfo, NumbersAsStringsAndDeliveryTime) {
    const auto info = parse_error_info(
        R"({"error":"-118","message":"x","data":{"status":"1","delivery_time":"1767678030984"}})");
    EXPECT_EQ(info.error_code, -118);
    EXPECT_EQ(info.data.status, 1);
    ASSERT_TRUE(info.data.delivery_time.has_value());
    EXPECT_EQ(format_rfc3339(*info.data.delivery_time), "2026-01-06T05:40:30.984000Z");
}

TEST(CoreErrorInfo, NotJsonIsKeptAsText) {
    for (const std::string text : {"Timeout", "error 42", "<html>502</html>", "[1,2,3]", "null",
                                   "%%%", "%7Bnot json%7D", "\"just a string\""}) {
        const auto info = parse_error_info(text);
        EXPECT_FALSE(info.is_json) << text;
        EXPECT_EQ(info.error_code, std::nullopt) << text;
        EXPECT_TRUE(info.error_message.has_value()) << text;
    }
    EXPECT_EQ(parse_error_info("Timeout").error_message, "Timeout");
    EXPECT_EQ(parse_error_info("%7Bnot json%7D").error_message, "{not json}");
    EXPECT_EQ(parse_error_info("\"just a string\"").error_message, "just a string");
}

TEST(CoreErrorInfo, EmptyAndBlank) {
    EXPECT_EQ(parse_error_info(""), ErrorInfo{});
    EXPECT_EQ(parse_error_info("  \r\n"), ErrorInfo{});
}

TEST(CoreErrorInfo, TruncatedInput) {
    const std::string full =
        R"({"data":{"message_id":"e1a60e8890be9de4c4ab","user_id":"31215806834323092"},"error":0,"message":"Success"})";
    for (std::size_t n = 1; n < full.size(); ++n) {
        const auto info = parse_error_info(full.substr(0, n));
        EXPECT_FALSE(info.is_json) << n;
        EXPECT_EQ(info.error_code, std::nullopt) << n;
    }
    EXPECT_TRUE(parse_error_info(full).is_json);
}

TEST(CoreErrorInfo, DeepNestingIsRefusedNotFollowed) {
    std::string deep(100'000, '[');
    EXPECT_FALSE(parse_error_info(deep).is_json);
    std::string nested;
    for (int i = 0; i < 5000; ++i) {
        nested += R"({"data":)";
    }
    const auto info = parse_error_info(nested + "1" + std::string(5000, '}'));
    EXPECT_FALSE(info.is_json);
    EXPECT_LE(info.error_message->size(), max_error_text_bytes);
}

TEST(CoreErrorInfo, ManyLayersOfEncodingStop) {
    std::string text = R"({"error":5})";
    for (int i = 0; i < 50; ++i) {
        std::string quoted = "\"";
        for (const char c : text) {
            if (c == '"' || c == '\\') {
                quoted += '\\';
            }
            quoted += c;
        }
        text = quoted + "\"";
        if (text.size() > 100'000) {
            break;
        }
    }
    EXPECT_FALSE(parse_error_info(text).is_json);
}

TEST(CoreErrorInfo, Garbage) {
    const std::string samples[] = {
        std::string("\0\0\0", 3),
        "\xFF\xFE{",
        "{\"error\":\xC3}",
        "{\"error\":1e999}",
        "{\"error\":99999999999999999999}",
        "{\"error\":true,\"message\":5}",
        "}{",
        "{}",
        "\"\\u0000\"",
        "{\"message\":\"\xE0\x80\x80\"}",
    };
    for (const auto& text : samples) {
        const auto info = parse_error_info(text);
        EXPECT_EQ(info.error_code, std::nullopt);
    }
    EXPECT_TRUE(parse_error_info("{}").is_json);
    EXPECT_EQ(parse_error_info("{\"message\":\"\xE0\x80\x80\"}").error_message,
              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace deliveryd::core
