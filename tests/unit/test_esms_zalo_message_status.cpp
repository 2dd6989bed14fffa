// GetZaloMessageStatus: the request body and seed 004's answer.
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/time_text.hpp"
#include "deliveryd/providers/esms/zalo_message_status.hpp"

#include "unit/seed_files.hpp"

namespace deliveryd::providers::esms {
namespace {

using core::StateLabel;

using testing::read_seed;

const core::Timestamp received{std::chrono::sys_days{std::chrono::year{2026} / 1 / 6}};

ParseResult<ZaloMessageStatusResponse> parse(std::string_view body) {
    return parse_zalo_message_status_response(body, "sms-1", "4097311281936189049",
                                              "e1a60e8890be9de4c4ab", received);
}

TEST(EsmsZaloMessageStatus, RequestBody) {
    const auto request = build_zalo_message_status_request(
        "http://rest.esms.vn", Credentials{"k", "s\"q"}, "4097311281936189049", "e1a60e88");
    EXPECT_EQ(request.method, HttpMethod::post);
    EXPECT_EQ(request.url, "http://rest.esms.vn/MainService.svc/json/GetZaloMessageStatus");
    ASSERT_EQ(request.headers.size(), 1U);
    EXPECT_EQ(request.headers[0].second, "application/json");
    EXPECT_EQ(
        request.body,
        R"({"ApiKey":"k","SecretKey":"s\"q","OAID":"4097311281936189049","MessageId":"e1a60e88"})");
}

TEST(EsmsZaloMessageStatus, Seed004DeliveredFieldByField) {
    const auto result = parse(read_seed("zalo_message_status_004.json"));
    ASSERT_TRUE(result.ok()) << result.error;
    const auto& r = *result.value;
    EXPECT_EQ(r.code, 100);
    EXPECT_EQ(r.result, ResultClass::success);
    EXPECT_EQ(r.message, "success. ");
    EXPECT_TRUE(r.message_found);
    ASSERT_TRUE(r.observation.has_value());
    const auto& o = *r.observation;
    EXPECT_EQ(o.source, core::Source::zalo_status);
    EXPECT_EQ(o.provider, core::Provider::esms);
    EXPECT_EQ(o.sms_id, "sms-1");
    EXPECT_EQ(o.observed_at, received);
    EXPECT_EQ(o.state, StateLabel::delivered);
    EXPECT_EQ(o.zalo_status, 1);
    ASSERT_TRUE(o.delivered_at.has_value());
    EXPECT_EQ(core::format_rfc3339(*o.delivered_at), "2026-01-06T05:40:30.984000Z");
    EXPECT_EQ(o.partner_id, "e1a60e8890be9de4c4ab");
    EXPECT_EQ(o.oa_id, "4097311281936189049");
    EXPECT_EQ(o.error_code, std::nullopt);
    EXPECT_NE(o.raw.find("delivered to the user's phone"), std::string::npos);
}

TEST(EsmsZaloMessageStatus, OnZaloServerIsSent) {
    const auto result =
        parse(R"({"CodeResult":"100","Data":{"delivery_time":null,"message":"x","status":0}})");
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.value->observation->state, StateLabel::sent);
    EXPECT_EQ(result.value->observation->zalo_status, 0);
    EXPECT_EQ(result.value->observation->delivered_at, std::nullopt);
    EXPECT_TRUE(result.value->message_found);
}

TEST(EsmsZaloMessageStatus, UnknownMessageChangesNoLabel) {
    const auto result = parse(R"({"CodeResult":100,"Data":{"status":"-1","delivery_time":"0"}})");
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_FALSE(result.value->message_found);
    EXPECT_EQ(result.value->observation->state, StateLabel::submitted);
    EXPECT_EQ(result.value->observation->zalo_status, -1);
}

TEST(EsmsZaloMessageStatus, UndocumentedStatusIsRecordedAndMovesNothing) {
    for (const char* status : {"2", "-5", "\"7\""}) {
        const auto result =
            parse(std::string(R"({"CodeResult":100,"Data":{"status":)") + status + "}}");
        ASSERT_TRUE(result.ok()) << status << ": " << result.error;
        EXPECT_TRUE(result.value->message_found);
        EXPECT_EQ(result.value->observation->state, StateLabel::submitted);
        EXPECT_TRUE(result.value->observation->unknown_status.has_value());
    }
    EXPECT_EQ(parse(R"({"CodeResult":100,"Data":{"status":-2}})").value->observation->zalo_status,
              -2);
}

TEST(EsmsZaloMessageStatus, ImplausibleDeliveryTimeIsLeftOut) {
    // 2026-01-06 is when it was received; 1767657600 is that day in seconds.
    const auto result =
        parse(R"({"CodeResult":100,"Data":{"status":1,"delivery_time":"1767657600"}})");
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.value->observation->state, StateLabel::delivered);
    EXPECT_EQ(result.value->observation->delivered_at, std::nullopt);
}

TEST(EsmsZaloMessageStatus, ResultCodesAndErrors) {
    const auto tps = parse(R"({"CodeResult":"160","ErrorMessage":"TPS"})");
    ASSERT_TRUE(tps.ok());
    EXPECT_EQ(tps.value->result, ResultClass::retry_later);
    EXPECT_FALSE(tps.value->observation.has_value());
    const auto missing = parse(R"({"CodeResult":"851"})");
    ASSERT_TRUE(missing.ok());
    EXPECT_EQ(missing.value->result, ResultClass::permanent_failure);

    EXPECT_FALSE(parse(R"({"CodeResult":"100"})").ok());
    EXPECT_FALSE(parse(R"({"CodeResult":"100","Data":{}})").ok());
    EXPECT_FALSE(parse(R"({"CodeResult":"100","Data":{"status":1,"delivery_time":"soon"}})").ok());
    EXPECT_FALSE(parse(R"({"CodeResult":"100","Data":"{\"status\":1}"})").ok());
    EXPECT_FALSE(parse("").ok());
}

}  // namespace
}  // namespace deliveryd::providers::esms
