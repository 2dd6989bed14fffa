// GetSmsSentData_V2: the request body, and pages of the listing read into one
// report per message.
#include <string>

#include <gtest/gtest.h>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/numbers.hpp"
#include "deliveryd/core/time_text.hpp"
#include "deliveryd/providers/esms/sms_sent_data.hpp"

#include "unit/seed_files.hpp"

namespace deliveryd::providers::esms {
namespace {

using core::StateLabel;
using testing::read_documented;

const core::Timestamp received{std::chrono::sys_days{std::chrono::year{2024} / 1 / 18}};

ParseResult<SmsSentDataResponse> parse(std::string_view body) {
    return parse_sms_sent_data_response(body, received);
}

TEST(EsmsSmsSentData, RequestBodyAsksOneTypeInVietnamTime) {
    const SmsSentDataQuery query{.sms_type = 23,
                                 .from = *core::parse_rfc3339("2024-01-17T09:00:00Z"),
                                 .to = *core::parse_rfc3339("2024-01-17T10:30:00.9Z"),
                                 .page = 3};
    const auto request =
        build_sms_sent_data_request("http://rest.esms.vn", Credentials{"k", "s"}, query);
    EXPECT_EQ(request.method, HttpMethod::post);
    EXPECT_EQ(request.url, "http://rest.esms.vn/MainService.svc/json/GetSmsSentData_V2");
    EXPECT_EQ(request.body,
              R"({"ApiKey":"k","SecretKey":"s","SmsType":"23","From":"2024-01-17 16:00:00",)"
              R"("To":"2024-01-17 17:30:00","Page":3,"PageSize":500})");
}

TEST(EsmsSmsSentData, APageGivesOneReportPerMessageFieldByField) {
    const auto result = parse(read_documented("sms_sent_data_page.json"));
    ASSERT_TRUE(result.ok()) << result.error;
    const auto& page = *result.value;
    EXPECT_EQ(page.code, 100);
    EXPECT_EQ(page.count_total, 1203);
    EXPECT_EQ(page.entries, 3U);
    ASSERT_EQ(page.observations.size(), 3U);
    EXPECT_TRUE(result.notes.empty());

    const auto& sent = page.observations[0];
    EXPECT_EQ(sent.source, core::Source::sms_sent_data);
    EXPECT_EQ(sent.provider, core::Provider::esms);
    EXPECT_EQ(sent.sms_id, "3f6c1a2e-5b7d-4e8f-9a01-2b3c4d5e6f70100");
    EXPECT_EQ(sent.state, StateLabel::sent);
    EXPECT_EQ(sent.type_id, 2);
    EXPECT_EQ(sent.send_status, 5);
    EXPECT_EQ(sent.phone, "0901888484");
    EXPECT_EQ(sent.total_price, core::parse_price("850"));
    ASSERT_TRUE(sent.provider_at.has_value());
    EXPECT_EQ(core::format_rfc3339(*sent.provider_at), "2024-01-17T09:34:08.995000Z");
    EXPECT_EQ(sent.observed_at, received);
    EXPECT_EQ(sent.send_success, std::nullopt);  // a listing reports no counts
    EXPECT_EQ(sent.unknown_status, std::nullopt);
    // The entry is kept, but not the message's text.
    const auto raw = core::parse_json(sent.raw);
    ASSERT_TRUE(raw && raw->is_object()) << sent.raw;
    EXPECT_FALSE(raw->as_object().contains("Content"));
    EXPECT_TRUE(raw->as_object().contains("SmsId"));
    EXPECT_EQ(sent.raw.find("482913"), std::string::npos);

    EXPECT_EQ(page.observations[1].state, StateLabel::failed);
    EXPECT_EQ(page.observations[1].phone, "84912345678");
    EXPECT_EQ(page.observations[2].state, StateLabel::sent_to_telco);
}

TEST(EsmsSmsSentData, TheLastPartialPageAndAnEmptyWindow) {
    const auto last = parse(read_documented("sms_sent_data_last_page.json"));
    ASSERT_TRUE(last.ok()) << last.error;
    ASSERT_EQ(last.value->observations.size(), 1U);
    // Done at eSMS, outcome undetermined: not final yet.
    EXPECT_EQ(last.value->observations[0].state, StateLabel::sent_to_telco);
    EXPECT_EQ(last.value->observations[0].unknown_status, std::nullopt);

    const auto empty = parse(read_documented("sms_sent_data_empty.json"));
    ASSERT_TRUE(empty.ok()) << empty.error;
    EXPECT_EQ(empty.value->count_total, 0);
    EXPECT_TRUE(empty.value->observations.empty());
}

TEST(EsmsSmsSentData, EverySendStatusAndSendResult) {
    const auto label = [](std::string_view fields) {
        const auto result =
            parse(R"({"CodeResult":"100","SentData":[{"ReferenceId":"id-00000001",)" +
                  std::string(fields) + "}]}");
        EXPECT_TRUE(result.ok()) << result.error;
        const auto& o = result.value->observations.at(0);
        return std::pair(o.state, o.unknown_status.value_or(""));
    };
    using P = std::pair<StateLabel, std::string>;
    EXPECT_EQ(label(R"("SendStatus":0)"), (P{StateLabel::submitted, ""}));
    EXPECT_EQ(label(R"("SendStatus":"1")"), (P{StateLabel::pending_approval, ""}));
    EXPECT_EQ(label(R"("SendStatus":2)"), (P{StateLabel::waiting, ""}));
    EXPECT_EQ(label(R"("SendStatus":4,"SendResult":0)"), (P{StateLabel::rejected, ""}));
    EXPECT_EQ(label(R"("SendStatus":7)"), (P{StateLabel::sent_to_telco, ""}));
    EXPECT_EQ(label(R"("SendStatus":5,"SendResult":"1")"), (P{StateLabel::sent, ""}));
    EXPECT_EQ(label(R"("SendStatus":5,"SendResult":0)"), (P{StateLabel::failed, ""}));
    EXPECT_EQ(label(R"("SendStatus":5,"SendResult":2)"), (P{StateLabel::sent_to_telco, ""}));
    // Unknown values are kept and change nothing final.
    EXPECT_EQ(label(R"("SendStatus":5,"SendResult":3)"),
              (P{StateLabel::sent_to_telco, "SendResult 3"}));
    EXPECT_EQ(label(R"("SendStatus":5)"), (P{StateLabel::sent_to_telco, "SendResult absent"}));
    EXPECT_EQ(label(R"("SendStatus":6)"), (P{StateLabel::submitted, "6"}));
    EXPECT_EQ(label(R"("SendResult":1)"), (P{StateLabel::submitted, ""}));
}

TEST(EsmsSmsSentData, EntriesWithoutAUsableIdAreSkippedAndNoted) {
    const auto result = parse(
        R"({"CodeResult":"100","CountTotal":3,"SentData":[{"SendStatus":5},)"
        R"({"ReferenceId":"has space","SendStatus":5},{"ReferenceId":"ok-000001","SendStatus":2}]})");
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.value->entries, 3U);
    ASSERT_EQ(result.value->observations.size(), 1U);
    EXPECT_EQ(result.value->observations[0].sms_id, "ok-000001");
    EXPECT_EQ(result.notes.size(), 1U);
}

TEST(EsmsSmsSentData, ErrorCodesAndUnreadableAnswers) {
    const auto keys = parse(R"({"CodeResult":"101","ErrorMessage":"Authorize Failed"})");
    ASSERT_TRUE(keys.ok());
    EXPECT_EQ(keys.value->result, ResultClass::credentials);
    EXPECT_TRUE(keys.value->observations.empty());

    EXPECT_FALSE(parse("[]").ok());
    EXPECT_FALSE(parse(R"({"CountTotal":1})").ok());
    EXPECT_FALSE(parse(R"({"CodeResult":"100","SentData":{}})").ok());
    EXPECT_FALSE(parse(R"({"CodeResult":"100","SentData":[1]})").ok());
    EXPECT_FALSE(parse(R"({"CodeResult":"100","CountTotal":-1,"SentData":[]})").ok());
    EXPECT_FALSE(
        parse(R"({"CodeResult":"100","SentData":[{"ReferenceId":"a-0000001","SendStatus":"x"}]})")
            .ok());
}

}  // namespace
}  // namespace deliveryd::providers::esms
