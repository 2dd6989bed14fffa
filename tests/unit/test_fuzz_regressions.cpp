// Inputs the fuzz targets (fuzz/README.md) found breaking an invariant, kept
// here, minimised, so that the fixes stay fixed.
#include <string>

#include <gtest/gtest.h>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/providers/esms/get_callback.hpp"
#include "deliveryd/providers/esms/query_zns_status.hpp"
#include "deliveryd/providers/etelecom/get_message.hpp"

namespace deliveryd::providers {
namespace {

using core::StateLabel;

const core::Timestamp received{std::chrono::sys_days{std::chrono::year{2024} / 4 / 24}};

bool has_control_character(const std::string& text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            return true;
        }
    }
    return false;
}

// fuzz_get_message: eTelecom's error code went into the error text (a log
// line) as it was, line breaks and control characters included.
TEST(FuzzRegressions, GetMessageErrorCodeIsPrintable) {
    const auto result = etelecom::parse_get_message_response(
        "{\"code\":\"not_found\\nlevel=error msg=forged\\u0008\\u007f\\u00e9\"}", "key-1",
        received);
    ASSERT_FALSE(result.ok());
    EXPECT_FALSE(has_control_character(result.error)) << result.error;
    EXPECT_EQ(result.error, "GetMessage: eTelecom error not_found?level=error msg=forged????");

    const auto plain = etelecom::parse_get_message_response(
        R"({"code":"not_found","msg":"message not found"})", "key-1", received);
    EXPECT_EQ(plain.error, "GetMessage: eTelecom error not_found");
}

// fuzz_get_callback (minimised): a number beyond a double's range anywhere in
// an ErrorInfo object was written back as `Infinity`, so the ErrorInfo text
// was no longer JSON and its error code was lost; raw was not JSON either.
TEST(FuzzRegressions, GetCallbackErrorInfoObjectWithHugeNumberKeepsItsError) {
    const auto minimised = esms::parse_get_callback_response(
        R"({"code":0,"data_callback":[{"smsid":"2","ErrorInfo":{"error":0,"":{"":4e679}}}]})",
        received);
    ASSERT_TRUE(minimised.ok()) << minimised.error;
    ASSERT_EQ(minimised.value->observations.size(), 1U);
    EXPECT_EQ(minimised.value->observations[0].error_code, 0);
    const auto raw = core::parse_json(minimised.value->observations[0].raw);
    ASSERT_TRUE(raw && raw->is_object()) << minimised.value->observations[0].raw;

    // The same failure as an object and as the string eSMS documents.
    const auto as_object = esms::parse_get_callback_response(
        R"({"Code":100,"Data_callback":[{"SMSID":"abc","SendStatus":5,"TypeId":25,)"
        R"("ErrorInfo":{"error":-124,"message":"Access token is invalid","data":{"delivery_time":1e999}}}]})",
        received);
    const auto as_string = esms::parse_get_callback_response(
        R"({"Code":100,"Data_callback":[{"SMSID":"abc","SendStatus":5,"TypeId":25,)"
        R"("ErrorInfo":"{\"error\":-124,\"message\":\"Access token is invalid\",\"data\":{\"delivery_time\":1e999}}"}]})",
        received);
    ASSERT_TRUE(as_object.ok() && as_string.ok());
    ASSERT_EQ(as_object.value->observations.size(), 1U);
    ASSERT_EQ(as_string.value->observations.size(), 1U);
    const auto& o = as_object.value->observations[0];
    EXPECT_EQ(o.state, StateLabel::failed);
    EXPECT_EQ(o.error_code, -124);
    EXPECT_EQ(o.error_message, "Access token is invalid");
    auto s = as_string.value->observations[0];
    s.raw = o.raw;
    EXPECT_EQ(o, s);
    EXPECT_NE(o.raw.find("\"delivery_time\":null"), std::string::npos) << o.raw;
}

// fuzz_query_zns_status: a field GetCallback has but QueryZnsStatus does not
// document (PhoneNumber) was read, and a number there became a Zalo user id.
TEST(FuzzRegressions, QueryZnsStatusTakesOnlyItsOwnFields) {
    const auto result = esms::parse_query_zns_status_response(
        R"({"CodeResult":"100","Data":{"PhoneNumber":1,"OAId":"9","TypeId":26,"SendStatus":5,)"
        R"("SendSuccess":1,"FinalStatus":1,"ErrorInfo":"0"}})",
        "b1c2e7a4-93f1-4c4e-8d55-0f7e61c2a9d1101", received);
    ASSERT_TRUE(result.ok()) << result.error;
    const auto& o = *result.value->observation;
    EXPECT_EQ(o.state, StateLabel::delivered);
    EXPECT_EQ(o.zalo_user_id, std::nullopt);
    EXPECT_EQ(o.phone, std::nullopt);
    EXPECT_EQ(o.oa_id, std::nullopt);
    EXPECT_EQ(o.type_id, std::nullopt);
}

}  // namespace
}  // namespace deliveryd::providers
