// eTelecom GetMessage: the request and both answers of seed 003.
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "deliveryd/core/time_text.hpp"
#include "deliveryd/providers/etelecom/get_message.hpp"

#include "unit/seed_files.hpp"

namespace deliveryd::providers::etelecom {
namespace {

using core::StateLabel;

using testing::read_seed;

const core::Timestamp received{std::chrono::sys_days{std::chrono::year{2025} / 6 / 15}};

TEST(EtelecomGetMessage, Request) {
    const auto request = build_get_message_request("https://api.etelecom.vn/v1/shop", "shop-key",
                                                   "1397492183140006179", "msg-1");
    EXPECT_EQ(request.method, HttpMethod::post);
    EXPECT_EQ(request.url, "https://api.etelecom.vn/v1/shop.Zalo/GetMessage");
    ASSERT_EQ(request.headers.size(), 3U);
    EXPECT_EQ(request.headers[0],
              (std::pair<std::string, std::string>{"Authorization", "Bearer shop-key"}));
    EXPECT_EQ(request.headers[1],
              (std::pair<std::string, std::string>{"Content-Type", "application/json"}));
    EXPECT_EQ(request.body, R"({"oa_id":"1397492183140006179","msg_id":"msg-1"})");
    EXPECT_EQ(build_get_message_request("https://api.etelecom.vn/v1/shop/", "k", "1", "m").url,
              "https://api.etelecom.vn/v1/shop.Zalo/GetMessage");
}

TEST(EtelecomGetMessage, SeedWithoutErrorIsSent) {
    const auto result =
        parse_get_message_response(read_seed("etelecom_get_message_003_a.json"), "et-1", received);
    ASSERT_TRUE(result.ok()) << result.error;
    const auto& o = result.value->observation;
    EXPECT_EQ(o.source, core::Source::etelecom_get_message);
    EXPECT_EQ(o.provider, core::Provider::etelecom);
    EXPECT_EQ(o.sms_id, "et-1");
    EXPECT_EQ(o.observed_at, received);
    EXPECT_EQ(o.state, StateLabel::sent);  // delivery_status unknown, sent_time set
    EXPECT_EQ(o.partner_id, "string");
    EXPECT_EQ(o.oa_id, "string");
    EXPECT_EQ(o.phone, "string");
    EXPECT_EQ(o.zalo_user_id, std::nullopt);
    EXPECT_EQ(o.request_id, "string");  // tracking_id
    EXPECT_EQ(o.template_id, "0");
    EXPECT_EQ(o.error_code, 0);
    EXPECT_EQ(o.error_message, std::nullopt);  // placeholder next to code 0
    EXPECT_EQ(o.delivered_at, std::nullopt);
    EXPECT_FALSE(result.value->sms.has_value());
    EXPECT_NE(o.raw.find("\"campaign_id\""), std::string::npos);
}

TEST(EtelecomGetMessage, SeedWithErrorAndSmsFallbackIsFailed) {
    const auto result =
        parse_get_message_response(read_seed("etelecom_get_message_003_b.json"), "et-2", received);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_TRUE(result.notes.empty());
    const auto& o = result.value->observation;
    EXPECT_EQ(o.state, StateLabel::failed);
    EXPECT_EQ(o.error_code, 1);
    EXPECT_EQ(o.error_message, "text");
    EXPECT_EQ(o.partner_id, "text");
    EXPECT_EQ(o.zalo_user_id, "text");
    EXPECT_EQ(o.template_id, "1");
    EXPECT_EQ(o.delivered_at, std::nullopt);
    ASSERT_TRUE(result.value->sms.has_value());
    EXPECT_EQ(result.value->sms->status, "text");
    EXPECT_EQ(result.value->sms->status_description, "text");
    ASSERT_TRUE(result.value->sms->send_time.has_value());
    EXPECT_EQ(core::format_rfc3339(*result.value->sms->send_time), "2025-06-14T09:22:59.089000Z");
    EXPECT_NE(o.raw.find("\"brandname\""), std::string::npos);  // the fallback stays in raw
    // ...and is on the observation, as sent.
    EXPECT_EQ(o.fallback_sms_status, "text");
    EXPECT_EQ(o.fallback_sms_at, result.value->sms->send_time);
}

TEST(EtelecomGetMessage, UndocumentedDeliveryStatusIsNamed) {
    const auto result = parse_get_message_response(
        R"({"msg_id":"m","delivery_status":"bounced","sent_time":"2025-06-14T09:22:59Z","error_code":0})",
        "et-9", received);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.value->observation.state, StateLabel::sent);
    EXPECT_EQ(result.value->observation.unknown_status, "bounced");
    const auto known = parse_get_message_response(
        R"({"msg_id":"m","delivery_status":"Unknown","error_code":0})", "et-9", received);
    EXPECT_EQ(known.value->observation.unknown_status, std::nullopt);
}

TEST(EtelecomGetMessage, ReceivedOrSeenIsDelivered) {
    for (const char* status : {"received", "seen", "Received"}) {
        const auto result = parse_get_message_response(
            std::string(R"({"msg_id":"m","delivery_status":")") + status +
                R"(","delivery_time":"2025-06-14T16:22:59+07:00","error_code":0})",
            "et-3", received);
        ASSERT_TRUE(result.ok()) << result.error;
        EXPECT_EQ(result.value->observation.state, StateLabel::delivered) << status;
        EXPECT_EQ(core::format_rfc3339(*result.value->observation.delivered_at),
                  "2025-06-14T09:22:59.000000Z");
    }
}

TEST(EtelecomGetMessage, NothingSentYetIsSubmitted) {
    const auto result = parse_get_message_response(
        R"({"msg_id":"m","delivery_status":"unknown","sent_time":"0001-01-01T00:00:00Z","error_code":"0"})",
        "et-4", received);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.value->observation.state, StateLabel::submitted);
}

TEST(EtelecomGetMessage, ErrorBodies) {
    const auto twirp = parse_get_message_response(
        R"({"code":"unauthenticated","msg":"Bearer token invalid"})", "et-5", received);
    EXPECT_FALSE(twirp.ok());
    EXPECT_EQ(twirp.error, "GetMessage: eTelecom error unauthenticated");
    EXPECT_FALSE(parse_get_message_response("", "et-5", received).ok());
    EXPECT_FALSE(parse_get_message_response("{}", "et-5", received).ok());
    EXPECT_FALSE(
        parse_get_message_response(R"({"msg_id":"m","error_code":"x"})", "et-5", received).ok());
    EXPECT_FALSE(
        parse_get_message_response(R"({"msg_id":"m","sent_time":"later"})", "et-5", received).ok());
}

}  // namespace
}  // namespace deliveryd::providers::etelecom
