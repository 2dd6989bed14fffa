// GetCallback: request batching and the seed 000 answer.
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/providers/esms/get_callback.hpp"

#include "unit/seed_files.hpp"

namespace deliveryd::providers::esms {
namespace {

using core::StateLabel;

using testing::read_seed;

std::string text(const boost::json::value& v) {
    return v.is_string() ? std::string(v.get_string()) : "<not a string>";
}

const core::Timestamp received{std::chrono::sys_days{std::chrono::year{2025} / 5 / 5}};
const Credentials credentials{"api+key&1", "se/cret=2"};

TEST(EsmsGetCallback, SplitsIntoBatchesOf200EachWithOaId) {
    std::vector<std::string> ids;
    for (int i = 0; i < 450; ++i) {
        ids.push_back("id-" + std::to_string(i));
    }
    const auto requests = build_get_callback_requests("https://status-sms.esms.vn/", credentials,
                                                      "1090257973118325189", ids);
    ASSERT_EQ(requests.size(), 3U);
    const std::size_t expected_sizes[] = {200, 200, 50};
    std::size_t next_id = 0;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const auto& r = requests[i];
        EXPECT_EQ(r.method, HttpMethod::post);
        EXPECT_EQ(r.url, "https://status-sms.esms.vn/ZaloCallback/GetCallback");
        ASSERT_EQ(r.headers.size(), 1U);
        EXPECT_EQ(r.headers[0],
                  (std::pair<std::string, std::string>{"Content-Type", "application/json"}));
        const auto body = core::parse_json(r.body);
        ASSERT_TRUE(body && body->is_object());
        const auto& o = body->get_object();
        EXPECT_EQ(text(o.at("ApiKey")), "api+key&1");
        EXPECT_EQ(text(o.at("SecretKey")), "se/cret=2");
        EXPECT_EQ(text(o.at("OAId")), "1090257973118325189");
        const auto& list = o.at("ListRefid").as_array();
        ASSERT_EQ(list.size(), expected_sizes[i]);
        for (const auto& id : list) {
            EXPECT_EQ(text(id), ids[next_id++]);
        }
    }
    EXPECT_EQ(next_id, ids.size());
    EXPECT_TRUE(build_get_callback_requests("https://x", credentials, "1", {}).empty());
    EXPECT_EQ(build_get_callback_requests("https://x", credentials, "1",
                                          std::vector<std::string>(200, "a"))
                  .size(),
              1U);
}

TEST(EsmsGetCallback, SeedAnswerFieldByField) {
    const std::string body = read_seed("get_callback_000.json");
    const auto result = parse_get_callback_response(body, received);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_TRUE(result.notes.empty());
    const auto& response = *result.value;
    EXPECT_EQ(response.code, 100);
    EXPECT_EQ(response.result, ResultClass::success);
    EXPECT_EQ(response.message, "Success");
    ASSERT_EQ(response.observations.size(), 1U);
    const auto& o = response.observations[0];
    EXPECT_EQ(o.source, core::Source::get_callback);
    EXPECT_EQ(o.provider, core::Provider::esms);
    EXPECT_EQ(o.observed_at, received);
    EXPECT_EQ(o.sms_id, "4a496110-9fd3-4838-ac8b-bcaa36616f7011");
    EXPECT_EQ(o.state, StateLabel::failed);
    EXPECT_EQ(o.send_failed, 1);
    EXPECT_EQ(o.send_success, 0);
    EXPECT_EQ(o.send_status, 5);
    EXPECT_EQ(o.total_price, core::Price{0});
    EXPECT_EQ(o.total_receiver, 1);
    EXPECT_EQ(o.total_sent, 1);
    EXPECT_EQ(o.request_id, std::nullopt);  // null
    EXPECT_EQ(o.type_id, 25);
    EXPECT_EQ(o.telco_id, 1);
    EXPECT_EQ(o.phone, "0909090909");
    EXPECT_EQ(o.zalo_user_id, std::nullopt);
    EXPECT_EQ(o.partner_id, "7984e9b198c40e9957d6");
    EXPECT_EQ(o.error_code, -124);
    EXPECT_EQ(o.error_message, "Access token is invalid");
    EXPECT_EQ(o.oa_id, "1090257973118325189");
    EXPECT_EQ(o.template_id, "228386");
    EXPECT_EQ(o.zalo_status, std::nullopt);
    // The event keeps this entry (CallbackUrl and the .NET text included).
    EXPECT_NE(o.raw.find("receive-callback"), std::string::npos);
    EXPECT_NE(o.raw.find("Object reference not set"), std::string::npos);
}

TEST(EsmsGetCallback, NumbersAsStringsAndCodeAsString) {
    const auto result = parse_get_callback_response(
        R"({"Code":"100","Data_callback":[{"SMSID":"a1","SendStatus":"5","SendSuccess":"1","SendFailed":"0","TotalPrice":"220.0000","TypeId":"24","Telcoid":"3","OAId":1090257973118325189,"ZnsTempId":228386,"ErrorInfo":null}]})",
        received);
    ASSERT_TRUE(result.ok()) << result.error;
    ASSERT_EQ(result.value->observations.size(), 1U);
    const auto& o = result.value->observations[0];
    EXPECT_EQ(o.state, StateLabel::sent);
    EXPECT_EQ(o.total_price, core::Price{2'200'000});
    EXPECT_EQ(o.type_id, 24);
    EXPECT_EQ(o.telco_id, 3);
    EXPECT_EQ(o.oa_id, "1090257973118325189");
    EXPECT_EQ(o.template_id, "228386");
    EXPECT_EQ(o.error_code, std::nullopt);
}

TEST(EsmsGetCallback, BadEntriesAreSkippedWithANote) {
    const auto result = parse_get_callback_response(
        R"({"Code":100,"Data_callback":[{"SMSID":"ok1","SendStatus":2},{"SMSID":"bad id"},{"SendStatus":5},7,{"SMSID":"x2","SendStatus":"five"},{"SMSID":"neg","SendStatus":-3,"SendFailed":-1}]})",
        received);
    ASSERT_TRUE(result.ok());
    // An undocumented or negative value is a report like any other.
    ASSERT_EQ(result.value->observations.size(), 2U);
    EXPECT_EQ(result.value->observations[0].state, StateLabel::waiting);
    EXPECT_EQ(result.value->observations[1].sms_id, "neg");
    EXPECT_EQ(result.value->observations[1].state, StateLabel::submitted);
    EXPECT_EQ(result.value->observations[1].unknown_status, "-3");
    ASSERT_EQ(result.notes.size(), 4U);
    EXPECT_NE(result.notes[0].find("entry 1: SMSID contains a space"), std::string::npos);
    EXPECT_NE(result.notes[1].find("entry 2: SMSID is missing"), std::string::npos);
    EXPECT_NE(result.notes[2].find("entry 3: not an object"), std::string::npos);
    EXPECT_NE(result.notes[3].find("field 'SendStatus'"), std::string::npos);
}

TEST(EsmsGetCallback, ErrorCodesAndBadBodies) {
    const auto denied =
        parse_get_callback_response(R"({"Code":101,"Message":"Authorize Failed"})", received);
    ASSERT_TRUE(denied.ok());
    EXPECT_EQ(denied.value->result, ResultClass::credentials);
    EXPECT_TRUE(denied.value->observations.empty());
    for (const char* bad : {"", "[]", "{}", "{\"Code\":\"abc\"}", "<html>", "{\"Code\":100"}) {
        const auto result = parse_get_callback_response(bad, received);
        EXPECT_FALSE(result.ok()) << bad;
        EXPECT_FALSE(result.error.empty());
    }
}

TEST(EsmsGetCallback, ErrorTextsNeverCarryCredentials) {
    // Bodies that echo the request back still produce only field names.
    const std::string echo = R"({"Code":"api+key&1","Data_callback":[{"SMSID":"se/cret=2 x"}]})";
    const auto result = parse_get_callback_response(echo, received);
    EXPECT_EQ(result.error.find("api+key"), std::string::npos);
    const auto entry = parse_get_callback_response(
        R"({"Code":100,"Data_callback":[{"SMSID":"se/cret=2 x","SendStatus":"se/cret=2"}]})",
        received);
    for (const auto& note : entry.notes) {
        EXPECT_EQ(note.find("se/cret"), std::string::npos) << note;
    }
}

}  // namespace
}  // namespace deliveryd::providers::esms
