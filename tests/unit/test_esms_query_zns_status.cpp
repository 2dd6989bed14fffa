// QueryZnsStatus: the request body, and every documented answer shape read
// into the state its FinalStatus, ErrorInfo and SendStatus say.
#include <string>

#include <gtest/gtest.h>

#include "deliveryd/core/numbers.hpp"
#include "deliveryd/providers/esms/query_zns_status.hpp"

#include "unit/seed_files.hpp"

namespace deliveryd::providers::esms {
namespace {

using core::StateLabel;
using testing::read_documented;

const core::Timestamp received{std::chrono::sys_days{std::chrono::year{2026} / 12 / 5}};
constexpr std::string_view asked = "b1c2e7a4-93f1-4c4e-8d55-0f7e61c2a9d1101";

ParseResult<QueryZnsStatusResponse> parse(std::string_view body) {
    return parse_query_zns_status_response(body, asked, received);
}

core::Observation observation_of(const std::string& file) {
    const auto result = parse(read_documented(file));
    EXPECT_TRUE(result.ok()) << result.error;
    if (!result.ok() || !result.value->observation) {
        ADD_FAILURE() << file << ": no observation";
        return {};
    }
    EXPECT_EQ(result.value->code, 100);
    return *result.value->observation;
}

TEST(EsmsQueryZnsStatus, RequestBody) {
    const auto request = build_query_zns_status_request("https://rest.esms.vn",
                                                        Credentials{"k", "s\"q"}, "id-1", 24);
    EXPECT_EQ(request.method, HttpMethod::post);
    EXPECT_EQ(request.url, "https://rest.esms.vn/MainService.svc/json/QueryZnsStatus/");
    ASSERT_EQ(request.headers.size(), 1U);
    EXPECT_EQ(request.headers[0].second, "application/json");
    EXPECT_EQ(request.body, R"({"ApiKey":"k","SecretKey":"s\"q","SmsId":"id-1","SmsType":"24"})");
    EXPECT_TRUE(query_zns_status_takes(25));
    EXPECT_FALSE(query_zns_status_takes(26));
}

TEST(EsmsQueryZnsStatus, FinalWithErrorInfoZeroIsDeliveredFieldByField) {
    const auto o = observation_of("query_zns_status_delivered.json");
    EXPECT_EQ(o.source, core::Source::query_zns_status);
    EXPECT_EQ(o.provider, core::Provider::esms);
    EXPECT_EQ(o.sms_id, asked);
    EXPECT_EQ(o.observed_at, received);
    EXPECT_EQ(o.state, StateLabel::delivered);
    EXPECT_EQ(o.send_status, 5);
    EXPECT_EQ(o.send_success, 1);
    EXPECT_EQ(o.send_failed, 0);
    EXPECT_EQ(o.total_receiver, 1);
    EXPECT_EQ(o.total_sent, 1);
    EXPECT_EQ(o.total_price, core::parse_price("300"));
    EXPECT_EQ(o.partner_id, "5c1f0e8a7b3d94c2e6f1");
    EXPECT_EQ(o.error_code, std::nullopt);  // "0" is success, not an error
    EXPECT_EQ(o.error_message, std::nullopt);
    EXPECT_EQ(o.unknown_status, std::nullopt);
    EXPECT_EQ(o.raw, read_documented("query_zns_status_delivered.json"));
}

TEST(EsmsQueryZnsStatus, FinalWithUserOfflineOrAZaloCodeIsFailedWithThatCode) {
    const auto offline = observation_of("query_zns_status_user_offline.json");
    EXPECT_EQ(offline.state, StateLabel::failed);
    EXPECT_EQ(offline.error_code, 1001);
    EXPECT_EQ(offline.send_failed, 1);
    EXPECT_EQ(offline.total_price, core::parse_price("0"));

    const auto zalo = observation_of("query_zns_status_zalo_error.json");
    EXPECT_EQ(zalo.state, StateLabel::failed);
    EXPECT_EQ(zalo.error_code, -118);
    EXPECT_EQ(zalo.partner_id, std::nullopt);

    const auto text = parse(R"({"CodeResult":"100","Data":{"FinalStatus":"1",
        "ErrorInfo":"quota exceeded","SendStatus":"5"}})");
    ASSERT_TRUE(text.ok()) << text.error;
    EXPECT_EQ(text.value->observation->state, StateLabel::failed);
    EXPECT_EQ(text.value->observation->error_code, std::nullopt);
    EXPECT_EQ(text.value->observation->error_message, "quota exceeded");
    EXPECT_EQ(text.value->observation->sms_id, asked);  // SMSID left out: the one asked about

    const auto refused = parse(R"({"CodeResult":"100","Data":{"FinalStatus":1,
        "ErrorInfo":"-109","SendStatus":4}})");
    ASSERT_TRUE(refused.ok()) << refused.error;
    EXPECT_EQ(refused.value->observation->state, StateLabel::rejected);
    EXPECT_EQ(refused.value->observation->error_code, -109);

    const auto number = parse(R"({"CodeResult":100,"Data":{"FinalStatus":1,"ErrorInfo":-124}})");
    ASSERT_TRUE(number.ok()) << number.error;
    EXPECT_EQ(number.value->observation->state, StateLabel::failed);
    EXPECT_EQ(number.value->observation->error_code, -124);
}

TEST(EsmsQueryZnsStatus, NotFinalFollowsSendStatusAndNeverEndsTheRow) {
    const auto accepted = observation_of("query_zns_status_accepted.json");
    EXPECT_EQ(accepted.state, StateLabel::sent);
    EXPECT_EQ(accepted.partner_id, "5c1f0e8a7b3d94c2e6f1");
    EXPECT_EQ(accepted.error_code, std::nullopt);

    const auto not_sent = observation_of("query_zns_status_not_sent.json");
    EXPECT_EQ(not_sent.state, StateLabel::waiting);

    // Counters that would say "failed" while eSMS says the outcome is not
    // reached: the state is left for a later answer, and a note says so.
    const auto early = parse(R"({"CodeResult":"100","Data":{"FinalStatus":0,"ErrorInfo":null,
        "SendStatus":5,"SendSuccess":0,"SendFailed":1}})");
    ASSERT_TRUE(early.ok()) << early.error;
    EXPECT_EQ(early.value->observation->state, StateLabel::submitted);
    EXPECT_EQ(early.notes.size(), 1U);

    // Final, but nothing sent: the same.
    const auto odd = parse(R"({"CodeResult":"100","Data":{"FinalStatus":1,"ErrorInfo":null,
        "SendStatus":4}})");
    ASSERT_TRUE(odd.ok()) << odd.error;
    EXPECT_EQ(odd.value->observation->state, StateLabel::submitted);
}

TEST(EsmsQueryZnsStatus, UndocumentedValuesAreKeptAndChangeNothing) {
    const auto final_status = parse(R"({"CodeResult":"100","Data":{"FinalStatus":3,
        "ErrorInfo":"0","SendStatus":2}})");
    ASSERT_TRUE(final_status.ok()) << final_status.error;
    EXPECT_EQ(final_status.value->observation->unknown_status, "FinalStatus 3");
    EXPECT_EQ(final_status.value->observation->state, StateLabel::waiting);

    const auto send_status = parse(R"({"CodeResult":"100","Data":{"FinalStatus":0,
        "SendStatus":9}})");
    ASSERT_TRUE(send_status.ok()) << send_status.error;
    EXPECT_EQ(send_status.value->observation->unknown_status, "9");
    EXPECT_EQ(send_status.value->observation->state, StateLabel::submitted);
}

TEST(EsmsQueryZnsStatus, ErrorCodesCarryNoObservation) {
    const auto no_data = parse(read_documented("query_zns_status_854.json"));
    ASSERT_TRUE(no_data.ok()) << no_data.error;
    EXPECT_EQ(no_data.value->code, 854);
    EXPECT_EQ(no_data.value->result, ResultClass::retry_later);
    EXPECT_EQ(no_data.value->message, "No data found");
    EXPECT_FALSE(no_data.value->observation.has_value());

    const auto missing = parse(read_documented("query_zns_status_851.json"));
    ASSERT_TRUE(missing.ok()) << missing.error;
    EXPECT_EQ(missing.value->code, 851);
    EXPECT_EQ(missing.value->result, ResultClass::permanent_failure);
    EXPECT_FALSE(missing.value->observation.has_value());

    const auto empty = parse(R"({"CodeResult":"100","ErrorMessage":"Success","Data":null})");
    ASSERT_TRUE(empty.ok()) << empty.error;
    EXPECT_FALSE(empty.value->observation.has_value());
}

TEST(EsmsQueryZnsStatus, UnreadableAnswersAreErrors) {
    EXPECT_FALSE(parse("not json").ok());
    EXPECT_FALSE(parse(R"({"ErrorMessage":"x"})").ok());
    EXPECT_FALSE(parse(R"({"CodeResult":"100","Data":[1]})").ok());
    EXPECT_FALSE(
        parse(R"({"CodeResult":"100","Data":{"SMSID":"another-id-0000000000000000000"}})").ok());
    EXPECT_FALSE(parse(R"({"CodeResult":"100","Data":{"FinalStatus":"yes"}})").ok());
    EXPECT_FALSE(parse(R"({"CodeResult":"100","Data":{"SendStatus":{}}})").ok());
}

}  // namespace
}  // namespace deliveryd::providers::esms
