// GetSendStatus: the request URL and both answers of seed 002.
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "deliveryd/providers/esms/get_send_status.hpp"

#include "unit/seed_files.hpp"

namespace deliveryd::providers::esms {
namespace {

using core::StateLabel;

using testing::read_seed;

const core::Timestamp received{std::chrono::sys_days{std::chrono::year{2025} / 7 / 7}};

TEST(EsmsGetSendStatus, RequestEncodesEveryValue) {
    const auto request = build_get_send_status_request(
        "http://rest.esms.vn/", Credentials{"K+ey&x=1", "S ec/ret%?#"}, "434a124c-7818_x.y~z");
    EXPECT_EQ(request.method, HttpMethod::get);
    EXPECT_EQ(request.url,
              "http://rest.esms.vn/MainService.svc/json/GetSendStatus?RefId=434a124c-7818_x.y~z"
              "&ApiKey=K%2Bey%26x%3D1&SecretKey=S%20ec%2Fret%25%3F%23");
    EXPECT_TRUE(request.headers.empty());
    EXPECT_TRUE(request.body.empty());
}

TEST(EsmsGetSendStatus, Seed100FieldByField) {
    const auto result =
        parse_get_send_status_response(read_seed("get_send_status_002_100.json"),
                                       "434a124c-7818-4f45-bdf2-7f7b07fff210100", received);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.value->code, 100);
    EXPECT_EQ(result.value->result, ResultClass::success);
    ASSERT_TRUE(result.value->observation.has_value());
    const auto& o = *result.value->observation;
    EXPECT_EQ(o.source, core::Source::get_send_status);
    EXPECT_EQ(o.provider, core::Provider::esms);
    EXPECT_EQ(o.observed_at, received);
    EXPECT_EQ(o.sms_id, "434a124c-7818-4f45-bdf2-7f7b07fff210100");
    EXPECT_EQ(o.state, StateLabel::sent);
    EXPECT_EQ(o.send_failed, 0);
    EXPECT_EQ(o.send_status, 5);
    EXPECT_EQ(o.send_success, 1);
    EXPECT_EQ(o.total_price, core::Price{8'500'000});  // 850.0000 as a JSON number
    EXPECT_EQ(o.total_receiver, 1);
    EXPECT_EQ(o.total_sent, 1);
    EXPECT_EQ(o.type_id, std::nullopt);
    EXPECT_EQ(o.error_code, std::nullopt);
    EXPECT_NE(o.raw.find("\"CodeResponse\": \"100\""), std::string::npos);
}

TEST(EsmsGetSendStatus, Seed101HasOnlyACode) {
    const auto result =
        parse_get_send_status_response(read_seed("get_send_status_002_101.json"),
                                       "47756317-0cbe-494a-9d02-c85703a1baff20", received);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.value->code, 101);
    EXPECT_EQ(result.value->result, ResultClass::credentials);
    EXPECT_FALSE(result.value->observation.has_value());
}

TEST(EsmsGetSendStatus, NotFoundYetMeansRetryLater) {
    const auto result = parse_get_send_status_response(R"({"CodeResponse":105})", "a1", received);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.value->result, ResultClass::retry_later);
}

TEST(EsmsGetSendStatus, NumbersAsStringsMissingIdAndUnknownStatus) {
    const auto result = parse_get_send_status_response(
        R"({"CodeResponse":"100","SendStatus":"6","SendSuccess":"0","SendFailed":"0","TotalPrice":"0"})",
        "a1", received);
    ASSERT_TRUE(result.ok()) << result.error;
    const auto& o = *result.value->observation;
    EXPECT_EQ(o.sms_id, "a1");
    EXPECT_EQ(o.send_status, 6);
    EXPECT_EQ(o.state, StateLabel::submitted);
    EXPECT_EQ(o.unknown_status, "6");
}

TEST(EsmsGetSendStatus, NegativeValuesAreRecordedNotRefused) {
    const auto result = parse_get_send_status_response(
        R"({"CodeResponse":100,"SendStatus":-2,"SendSuccess":-1,"SendFailed":1})", "a1", received);
    ASSERT_TRUE(result.ok()) << result.error;
    const auto& o = *result.value->observation;
    EXPECT_EQ(o.send_status, -2);
    EXPECT_EQ(o.send_success, -1);
    EXPECT_EQ(o.state, StateLabel::submitted);
    EXPECT_EQ(o.unknown_status, "-2");
}

TEST(EsmsGetSendStatus, Errors) {
    EXPECT_FALSE(parse_get_send_status_response("", "a1", received).ok());
    EXPECT_FALSE(parse_get_send_status_response("nope", "a1", received).ok());
    EXPECT_FALSE(parse_get_send_status_response(R"({"SMSID":"a1"})", "a1", received).ok());
    const auto other = parse_get_send_status_response(
        R"({"CodeResponse":"100","SMSID":"b2","SendStatus":5})", "a1", received);
    EXPECT_FALSE(other.ok());
    EXPECT_NE(other.error.find("another SMSID"), std::string::npos);
    const auto bad = parse_get_send_status_response(
        R"({"CodeResponse":"100","SMSID":"a1","TotalPrice":"12.34567"})", "a1", received);
    EXPECT_FALSE(bad.ok());
    EXPECT_EQ(
        bad.error,
        "GetSendStatus: field 'TotalPrice': not a non-negative price with at most 4 decimals");
}

}  // namespace
}  // namespace deliveryd::providers::esms
