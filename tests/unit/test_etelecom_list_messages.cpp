// eTelecom ListMessages: the request and every documented page shape
// (tests/data/documented/etelecom_list_messages_*.json).
#include <string>

#include <gtest/gtest.h>

#include "deliveryd/core/time_text.hpp"
#include "deliveryd/providers/etelecom/list_messages.hpp"

#include "unit/seed_files.hpp"

namespace deliveryd::providers::etelecom {
namespace {

using core::StateLabel;
using testing::read_documented;

const core::Timestamp received = *core::parse_rfc3339("2026-12-05T03:00:00Z");

TEST(EtelecomListMessages, RequestFiltersOneOaOnUpdateTimeAndFollowsTheCursor) {
    ListMessagesQuery query{.oa_id = "1397492183140006179",
                            .updated_from = *core::parse_rfc3339("2026-12-05T01:50:00Z"),
                            .updated_to = *core::parse_rfc3339("2026-12-05T03:10:00Z"),
                            .limit = 100,
                            .after = ""};
    auto request =
        build_list_messages_request("https://api.etelecom.vn/v1/shop", "shop-key", query);
    EXPECT_EQ(request.method, HttpMethod::post);
    EXPECT_EQ(request.url, "https://api.etelecom.vn/v1/shop.Zalo/ListMessages");
    ASSERT_EQ(request.headers.size(), 3U);
    EXPECT_EQ(request.headers[0],
              (std::pair<std::string, std::string>{"Authorization", "Bearer shop-key"}));
    EXPECT_EQ(
        request.body,
        R"({"filter":{"oa_id":"1397492183140006179","date_from":"2026-12-05T01:50:00.000000Z",)"
        R"("date_to":"2026-12-05T03:10:00.000000Z","time_type":"updated_time"},)"
        R"("paging":{"limit":100}})");
    query.after = "MTc2NHw1ZTBj";
    request = build_list_messages_request("https://api.etelecom.vn/v1/shop", "shop-key", query);
    EXPECT_NE(request.body.find(R"("paging":{"limit":100,"after":"MTc2NHw1ZTBj"})"),
              std::string::npos);
}

TEST(EtelecomListMessages, APageReadsEachMessageAsGetMessageWould) {
    const auto result =
        parse_list_messages_response(read_documented("etelecom_list_messages_page.json"), received);
    ASSERT_TRUE(result.ok()) << result.error;
    const auto& page = *result.value;
    EXPECT_EQ(page.entries, 3U);
    EXPECT_EQ(page.next, "MTc2NDkwMDAwNzAwMDAwMHw1ZTBj");
    ASSERT_EQ(page.observations.size(), 3U);

    const auto& delivered = page.observations[0];
    EXPECT_EQ(delivered.source, core::Source::etelecom_list_messages);
    EXPECT_EQ(delivered.provider, core::Provider::etelecom);
    EXPECT_EQ(delivered.sms_id, "c1d9a3e0b6a44f1f9a1b");
    EXPECT_EQ(delivered.partner_id, "c1d9a3e0b6a44f1f9a1b");
    EXPECT_EQ(delivered.request_id, "order-A1001");
    EXPECT_EQ(delivered.oa_id, "1397492183140006179");
    EXPECT_EQ(delivered.state, StateLabel::delivered);
    EXPECT_EQ(delivered.delivered_at, core::parse_rfc3339("2026-12-05T02:00:09Z"));
    EXPECT_EQ(delivered.template_id, "231245");
    EXPECT_EQ(delivered.observed_at, received);
    // raw is the message object alone, not the page.
    EXPECT_NE(delivered.raw.find("order-A1001"), std::string::npos);
    EXPECT_EQ(delivered.raw.find("order-A1002"), std::string::npos);
    EXPECT_EQ(delivered.raw.find("paging"), std::string::npos);

    // Refused by Zalo before it had a msg_id: named by its tracking_id only.
    const auto& failed = page.observations[1];
    EXPECT_EQ(failed.sms_id, "");
    EXPECT_EQ(failed.partner_id, std::nullopt);
    EXPECT_EQ(failed.request_id, "order-A1002");
    EXPECT_EQ(failed.state, StateLabel::failed);
    EXPECT_EQ(failed.error_code, -108);
    EXPECT_EQ(failed.error_message, "Phone number is invalid");
    EXPECT_EQ(failed.fallback_sms_status, "success");
    EXPECT_EQ(failed.fallback_sms_at, core::parse_rfc3339("2026-12-05T02:00:05Z"));

    const auto& sent = page.observations[2];
    EXPECT_EQ(sent.sms_id, "5e0c2b7d9f1a4c3e8b2d");
    EXPECT_EQ(sent.state, StateLabel::sent);
    EXPECT_EQ(sent.error_code, 0);
    EXPECT_EQ(sent.error_message, std::nullopt);  // success is not an error
}

TEST(EtelecomListMessages, TheLastPageHasNoNextCursor) {
    const auto result = parse_list_messages_response(
        read_documented("etelecom_list_messages_last_page.json"), received);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_TRUE(result.value->next.empty());
    ASSERT_EQ(result.value->observations.size(), 1U);
    EXPECT_EQ(result.value->observations[0].state, StateLabel::delivered);  // seen
    EXPECT_EQ(result.value->observations[0].sms_id, "8a7f6e5d4c3b2a190817");
}

TEST(EtelecomListMessages, AnEmptyWindowIsAnEmptyLastPage) {
    const auto result = parse_list_messages_response(
        read_documented("etelecom_list_messages_empty.json"), received);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.value->entries, 0U);
    EXPECT_TRUE(result.value->observations.empty());
    EXPECT_TRUE(result.value->next.empty());
}

TEST(EtelecomListMessages, ATwirpErrorNamesItsCodeOnly) {
    const auto result = parse_list_messages_response(
        read_documented("etelecom_list_messages_invalid_argument.json"), received);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error, "ListMessages: eTelecom error invalid_argument");
}

TEST(EtelecomListMessages, UnreadablePagesAreErrors) {
    for (const char* body :
         {"", "[]", "{}", R"({"messages":{}})", R"({"messages":[1]})",
          R"({"messages":[],"paging":"x"})", R"({"messages":[{"msg_id":"m","error_code":"bad"}]})",
          R"({"messages":[{"msg_id":"m","delivery_time":"yesterday"}]})"}) {
        const auto result = parse_list_messages_response(body, received);
        EXPECT_FALSE(result.ok()) << body;
        EXPECT_FALSE(result.error.empty()) << body;
    }
}

TEST(EtelecomListMessages, AMessageWithoutAnyIdIsSkippedAndNoted) {
    const auto result = parse_list_messages_response(
        R"({"messages":[{"delivery_status":"received"},{"msg_id":"m1","sent_time":"2026-12-05T02:00:00Z"}],"paging":{"next":""}})",
        received);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.value->entries, 2U);
    ASSERT_EQ(result.value->observations.size(), 1U);
    EXPECT_EQ(result.value->observations[0].sms_id, "m1");
    ASSERT_EQ(result.notes.size(), 1U);
    EXPECT_NE(result.notes[0].find("without a msg_id or tracking_id"), std::string::npos);
}

TEST(EtelecomListMessages, AnUndocumentedDeliveryStatusIsKeptAndMovesNothing) {
    const auto result = parse_list_messages_response(
        R"({"messages":[{"msg_id":"m1","delivery_status":"bounced","sent_time":"2026-12-05T02:00:00Z"}]})",
        received);
    ASSERT_TRUE(result.ok()) << result.error;
    const auto& o = result.value->observations.at(0);
    EXPECT_EQ(o.unknown_status, "bounced");
    EXPECT_EQ(o.state, StateLabel::sent);
    EXPECT_TRUE(result.value->next.empty());  // no paging: no next page
}

}  // namespace
}  // namespace deliveryd::providers::etelecom
