// Status answers over simulated time, limits of the other endpoints, and
// the truth report.
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "esms_api.hpp"
#include "etelecom_api.hpp"
#include "router.hpp"
#include "test_support.hpp"

namespace deliveryd::sim {
namespace {

namespace json = boost::json;
using namespace test;

const sim_time t0 = sim_time{std::chrono::sys_days{std::chrono::year{2026} / 1 / 6}};

std::vector<message> sample_messages() {
    auto zns = zns_message("zns-1", "e1a60e8890be9de4c4ab", t0);
    zns.timeline = {event_at(1000, 2), event_at(5000, 5, 1, 0, zalo_error{0, "Success"})};
    zns.delivered_after = milliseconds(60000);

    message sms;
    sms.sms_id = "sms-1";
    sms.phone = "0901888484";
    sms.submitted_at = t0;
    sms.timeline = {event_at(1000, 2), event_at(2000, 7), event_at(9000, 5, 0, 1)};

    message never;
    never.sms_id = "never-1";
    never.submitted_at = t0;

    message et;
    et.sms_id = "f405841b5f2352790b36";
    et.provider = provider_kind::etelecom;
    et.type_id = 0;
    et.oa_id = "2911530487364192745";
    et.submitted_at = t0;
    et.timeline = {event_at(1000, 5, 1, 0, zalo_error{0, "Success"})};
    et.delivered_after = milliseconds(30000);
    // A ZNS sent without a CallbackUrl that Zalo refused.
    auto failed = zns_message("zns-2", "", t0, 24);
    failed.timeline = {event_at(1000, 5, 0, 1, zalo_error{-118, "Zalo account does not exist"})};
    failed.callback = false;
    return {zns, sms, never, et, failed};
}

class ApiTest : public ::testing::Test {
  protected:
    ApiTest() : state_(sample_messages(), clock_) {}

    json::value send(const http_request& req, sim_time now, steady_time steady = {}) {
        auto routed = route(state_, req, api_time{steady, now});
        last_status_ = routed.response.result();
        return parse_json(routed.response.body());
    }

    json::value send_status(const std::string& id, sim_time now, steady_time steady = {}) {
        return send(
            make_request(http::verb::get, "/MainService.svc/json/GetSendStatus?RefId=" + id +
                                              "&ApiKey=sim-api-key&SecretKey=sim-secret-key"),
            now, steady);
    }

    json::value zalo_status(const std::string& partner, sim_time now, steady_time steady = {}) {
        json::object body{{"ApiKey", "sim-api-key"},
                          {"SecretKey", "sim-secret-key"},
                          {"OAID", "1397492183140006179"},
                          {"MessageId", partner}};
        return send(make_request(http::verb::post, "/MainService.svc/json/GetZaloMessageStatus",
                                 json::serialize(body)),
                    now, steady);
    }

    json::value query_zns(const std::string& sms_id, sim_time now, std::string sms_type = "25",
                          steady_time steady = {}) {
        json::object body{{"ApiKey", "sim-api-key"},
                          {"SecretKey", "sim-secret-key"},
                          {"SmsId", sms_id},
                          {"SmsType", std::move(sms_type)}};
        return send(make_request(http::verb::post, "/MainService.svc/json/QueryZnsStatus/",
                                 json::serialize(body)),
                    now, steady);
    }

    json::value get_message(const std::string& msg_id, sim_time now, steady_time steady = {},
                            const std::string& key = "sim-etelecom-key") {
        auto req = make_request(
            http::verb::post, "/v1/shop.Zalo/GetMessage",
            json::serialize(json::object{{"oa_id", "2911530487364192745"}, {"msg_id", msg_id}}));
        req.set(http::field::authorization, "Bearer " + key);
        return send(req, now, steady);
    }

    manual_clock clock_{t0};
    sim_state state_;
    http::status last_status_{};
};

TEST_F(ApiTest, GetSendStatusFollowsTheTimeline) {
    EXPECT_EQ(send_status("sms-1", t0 + 500ms).at("CodeResponse").as_string(), "105");
    auto waiting = send_status("sms-1", t0 + 1500ms);
    EXPECT_EQ(waiting.at("CodeResponse").as_string(), "100");
    EXPECT_EQ(waiting.at("SendStatus").as_int64(), 2);
    EXPECT_EQ(send_status("sms-1", t0 + 3s).at("SendStatus").as_int64(), 7);
    auto failed = send_status("sms-1", t0 + 10s);
    EXPECT_EQ(failed.at("SendStatus").as_int64(), 5);
    EXPECT_EQ(failed.at("SendFailed").as_int64(), 1);
    EXPECT_EQ(failed.at("SendSuccess").as_int64(), 0);
    EXPECT_EQ(send_status("never-1", t0 + 1h).at("CodeResponse").as_string(), "105");
    EXPECT_EQ(send_status("sms-1", t0 + std::chrono::days(8)).at("CodeResponse").as_string(),
              "105");
}

TEST_F(ApiTest, QueryZnsStatusFollowsTheTimelineUpToTheHandset) {
    EXPECT_EQ(query_zns("zns-1", t0 + 500ms).at("CodeResult").as_string(), "854");
    auto waiting = query_zns("zns-1", t0 + 1500ms);
    EXPECT_EQ(waiting.at("CodeResult").as_string(), "100");
    EXPECT_TRUE(waiting.at("Data").at("ErrorInfo").is_null());
    EXPECT_EQ(waiting.at("Data").at("FinalStatus").as_int64(), 0);
    EXPECT_EQ(waiting.at("Data").at("SendStatus").as_int64(), 2);
    EXPECT_TRUE(waiting.at("Data").at("ZaloMsgId").is_null());
    auto accepted = query_zns("zns-1", t0 + 10s);
    EXPECT_EQ(accepted.at("Data").at("ErrorInfo").as_string(), "0");
    EXPECT_EQ(accepted.at("Data").at("FinalStatus").as_int64(), 0);
    EXPECT_EQ(accepted.at("Data").at("ZaloMsgId").as_string(), "e1a60e8890be9de4c4ab");
    EXPECT_EQ(accepted.at("Data").at("SMSID").as_string(), "zns-1");
    auto delivered = query_zns("zns-1", t0 + 2min);
    EXPECT_EQ(delivered.at("Data").at("ErrorInfo").as_string(), "0");
    EXPECT_EQ(delivered.at("Data").at("FinalStatus").as_int64(), 1);

    // Another type, an SMS, an unknown id, no id.
    EXPECT_EQ(query_zns("zns-1", t0 + 2min, "24").at("CodeResult").as_string(), "854");
    EXPECT_EQ(query_zns("sms-1", t0 + 2min).at("CodeResult").as_string(), "854");
    EXPECT_EQ(query_zns("nope", t0 + 2min).at("CodeResult").as_string(), "854");
    EXPECT_EQ(query_zns("", t0 + 2min).at("CodeResult").as_string(), "851");
    EXPECT_EQ(query_zns("zns-1", t0 + 2min, "2").at("CodeResult").as_string(), "118");
}

TEST_F(ApiTest, QueryZnsStatusReportsAFailedZnsWithItsZaloCodeAndHoldsItsLimit) {
    auto answer = query_zns("zns-2", t0 + 2s, "24");
    EXPECT_EQ(answer.at("Data").at("ErrorInfo").as_string(), "-118");
    EXPECT_EQ(answer.at("Data").at("FinalStatus").as_int64(), 1);
    EXPECT_EQ(answer.at("Data").at("SendFailed").as_int64(), 1);

    // The call above was the first of this second's 100.
    const steady_time steady{};
    for (int i = 1; i < 100; ++i) {
        EXPECT_EQ(query_zns("zns-2", t0 + 2s, "24", steady).at("CodeResult").as_string(), "100");
    }
    EXPECT_EQ(query_zns("zns-2", t0 + 2s, "24", steady).at("CodeResult").as_string(), "160");
    EXPECT_EQ(stats_json(state_, t0).at("endpoints").at("QueryZnsStatus").at("limit").as_int64(),
              100);
}

TEST_F(ApiTest, GetSmsSentDataListsOneTypeOfTheWindowInPages) {
    // One call a second is the listing's limit: each call here is 2 s apart.
    steady_time steady{};
    auto list = [&](std::string type, std::string from, std::string to, int page, int size,
                    sim_time now) {
        steady += 2s;
        json::object body{{"ApiKey", "sim-api-key"},
                          {"SecretKey", "sim-secret-key"},
                          {"SmsType", std::move(type)},
                          {"From", std::move(from)},
                          {"To", std::move(to)},
                          {"Page", page},
                          {"PageSize", size}};
        return send(make_request(http::verb::post, "/MainService.svc/json/GetSmsSentData_V2",
                                 json::serialize(body)),
                    now, steady);
    };
    // t0 is 2026-01-06 00:00 UTC, 07:00 in Vietnam.
    const auto whole = list("2", "2026-01-06 06:59:00", "2026-01-06 07:01:00", 1, 500, t0 + 10s);
    ASSERT_EQ(whole.at("CodeResult").as_string(), "100") << json::serialize(whole);
    EXPECT_EQ(whole.at("CountTotal").as_int64(), 1);  // never-1 has no status: not listed
    const auto& entry = whole.at("SentData").at(0);
    EXPECT_EQ(entry.at("ReferenceId").as_string(), "sms-1");
    EXPECT_EQ(entry.at("SendStatus").as_int64(), 5);
    EXPECT_EQ(entry.at("SendResult").as_int64(), 0);
    EXPECT_EQ(entry.at("SentTime").as_string(), "/Date(1767657609000+0700)/");
    EXPECT_EQ(entry.at("SmsType").as_int64(), 2);

    // Still at the telco: done not yet known.
    const auto early = list("2", "2026-01-06 06:59:00", "2026-01-06 07:01:00", 1, 500, t0 + 3s);
    EXPECT_EQ(early.at("SentData").at(0).at("SendStatus").as_int64(), 7);
    EXPECT_EQ(early.at("SentData").at(0).at("SendResult").as_int64(), 2);

    // Outside the window, another type, a page past the end.
    EXPECT_EQ(list("2", "2026-01-06 07:00:01", "2026-01-06 08:00:00", 1, 500, t0 + 10s)
                  .at("CountTotal")
                  .as_int64(),
              0);
    EXPECT_EQ(list("25", "2026-01-06 06:00:00", "2026-01-06 08:00:00", 1, 500, t0 + 10s)
                  .at("CountTotal")
                  .as_int64(),
              1);
    EXPECT_TRUE(list("2", "2026-01-06 06:59:00", "2026-01-06 07:01:00", 2, 500, t0 + 10s)
                    .at("SentData")
                    .as_array()
                    .empty());
    // Unreadable times.
    list("2", "2026-01-06T06:59:00", "2026-01-06 07:01:00", 1, 500, t0 + 10s);
    EXPECT_EQ(last_status_, http::status::bad_request);
}

TEST_F(ApiTest, GetSendStatusAnswersWhatItCannotReportWith105ByDefault) {
    for (const auto& [id, at] : {std::pair<std::string, sim_time>{"nope", t0 + 1h},
                                 {"never-1", t0 + 1h},
                                 {"sms-1", t0 + 500ms},
                                 {"sms-1", t0 + std::chrono::days(8)}}) {
        const auto answer = send_status(id, at);
        EXPECT_EQ(answer.at("CodeResponse").as_string(), "105") << id;
        EXPECT_EQ(answer.at("SMSID").as_string(), id);
    }
    EXPECT_EQ(stats_json(state_, t0).at("send_status_unknown_ids").as_uint64(), 4U);
}

TEST_F(ApiTest, GetSendStatusCanAnswerWhatItCannotReportWith101EchoingTheSmsid) {
    state_.unknown_id = unknown_id_answer::code_101;
    // Unknown, no status ever, no status yet (just sent), older than 7 days.
    for (const auto& [id, at] : {std::pair<std::string, sim_time>{"nope", t0 + 1h},
                                 {"never-1", t0 + 1h},
                                 {"sms-1", t0 + 500ms},
                                 {"sms-1", t0 + std::chrono::days(8)}}) {
        const auto answer = send_status(id, at);
        EXPECT_EQ(answer.at("CodeResponse").as_string(), "101") << id;
        EXPECT_EQ(answer.at("SMSID").as_string(), id);
        EXPECT_EQ(answer.as_object().size(), 2U) << "the short shape of seed 002's 101";
    }
    // A message it can report is answered as ever, between the refusals.
    const auto known = send_status("sms-1", t0 + 1500ms);
    EXPECT_EQ(known.at("CodeResponse").as_string(), "100");
    EXPECT_EQ(known.at("SendStatus").as_int64(), 2);

    // Wrong keys answer 101 too, and are counted apart.
    const auto wrong_keys = send(make_request(http::verb::get,
                                              "/MainService.svc/json/GetSendStatus?RefId=sms-1&"
                                              "ApiKey=wrong&SecretKey=sim-secret-key"),
                                 t0 + 1500ms);
    EXPECT_EQ(wrong_keys.at("CodeResponse").as_string(), "101");
    const auto stats = stats_json(state_, t0);
    EXPECT_EQ(stats.at("send_status_unknown_ids").as_uint64(), 4U);
    EXPECT_EQ(stats.at("endpoints").at("GetSendStatus").at("auth_failures").as_uint64(), 1U);
}

TEST_F(ApiTest, GetSendStatusLimitIsConfigurable) {
    steady_time s{std::chrono::hours(2)};
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(send_status("sms-1", t0 + 10s, s).at("CodeResponse").as_string(), "100");
    }
    EXPECT_EQ(send_status("sms-1", t0 + 10s, s).at("CodeResponse").as_string(), "160");
    EXPECT_EQ(state_.limiter.violations(), 1U);
}

TEST_F(ApiTest, ZaloStatusGoesFromMissingToOnServerToDelivered) {
    EXPECT_EQ(zalo_status("e1a60e8890be9de4c4ab", t0 + 2s).at("Data").at("status").as_int64(), -1);
    auto on_server = zalo_status("e1a60e8890be9de4c4ab", t0 + 10s);
    EXPECT_EQ(on_server.at("Data").at("status").as_int64(), 0);
    EXPECT_TRUE(on_server.at("Data").at("delivery_time").is_null());
    auto delivered = zalo_status("e1a60e8890be9de4c4ab", t0 + 61s);
    EXPECT_EQ(delivered.at("Data").at("status").as_int64(), 1);
    EXPECT_EQ(delivered.at("ErrorMessage").as_string(), "success. ");
    EXPECT_EQ(zalo_status("ffffffffffffffffffff", t0 + 61s).at("Data").at("status").as_int64(), -1);
    EXPECT_EQ(zalo_status("", t0 + 61s).at("CodeResult").as_string(), "851");
}

TEST_F(ApiTest, ZaloStatusThirtyFirstCallIsCode160) {
    steady_time s{std::chrono::hours(3)};
    for (int i = 0; i < 30; ++i) {
        ASSERT_EQ(zalo_status("e1a60e8890be9de4c4ab", t0 + 61s, s + milliseconds(i))
                      .at("CodeResult")
                      .as_string(),
                  "100");
    }
    auto refused = zalo_status("e1a60e8890be9de4c4ab", t0 + 61s, s + milliseconds(999));
    EXPECT_EQ(refused.at("CodeResult").as_string(), "160");
    EXPECT_EQ(zalo_status("e1a60e8890be9de4c4ab", t0 + 61s, s + milliseconds(1000))
                  .at("CodeResult")
                  .as_string(),
              "100");
    auto stats = stats_json(state_, t0);
    const auto& key = stats.at("endpoints").at("GetZaloMessageStatus").at("keys").at("sim-api-key");
    EXPECT_EQ(key.at("violations").as_uint64(), 1U);
    EXPECT_EQ(key.at("max_calls_in_1s").as_uint64(), 31U);
}

TEST_F(ApiTest, EtelecomGetMessage) {
    EXPECT_EQ(get_message("f405841b5f2352790b36", t0 + 2s).at("delivery_status").as_string(),
              "unknown");
    EXPECT_EQ(get_message("f405841b5f2352790b36", t0 + 31s).at("delivery_status").as_string(),
              "received");
    EXPECT_EQ(get_message("f405841b5f2352790b36", t0, {}, "wrong").at("code").as_string(),
              "unauthenticated");
    EXPECT_EQ(last_status_, http::status::unauthorized);
    EXPECT_EQ(get_message("nope", t0 + 1s).at("code").as_string(), "not_found");
    EXPECT_EQ(last_status_, http::status::not_found);

    auto req = make_request(http::verb::post, "/v1/shop.Zalo/GetMessage", R"({"msg_id":"x"})",
                            "text/plain");
    req.set(http::field::authorization, "Bearer sim-etelecom-key");
    EXPECT_EQ(send(req, t0).at("code").as_string(), "bad_route");

    steady_time s{std::chrono::hours(4)};
    for (int i = 0; i < 10; ++i) {
        get_message("f405841b5f2352790b36", t0 + 31s, s);
    }
    EXPECT_EQ(get_message("f405841b5f2352790b36", t0 + 31s, s).at("code").as_string(),
              "resource_exhausted");
    EXPECT_EQ(last_status_, http::status::too_many_requests);
}

TEST_F(ApiTest, TruthReportsStateNowAndFinalState) {
    auto truth = truth_json(state_, t0 + 10s);
    std::map<std::string, json::object> by_id;
    for (const auto& m : truth.at("messages").as_array()) {
        by_id[std::string(m.at("sms_id").as_string())] = m.as_object();
    }
    EXPECT_EQ(by_id["zns-1"].at("state").as_string(), "sent");
    EXPECT_FALSE(by_id["zns-1"].at("is_final").as_bool());
    EXPECT_EQ(by_id["zns-1"].at("final_state").as_string(), "delivered");
    EXPECT_EQ(by_id["zns-1"].at("partner_id").as_string(), "e1a60e8890be9de4c4ab");
    EXPECT_EQ(by_id["sms-1"].at("state").as_string(), "failed");
    EXPECT_TRUE(by_id["sms-1"].at("is_final").as_bool());
    EXPECT_EQ(by_id["never-1"].at("state").as_string(), "submitted");
    EXPECT_EQ(by_id["never-1"].at("final_state").as_string(), "expired");
    EXPECT_EQ(by_id["f405841b5f2352790b36"].at("provider").as_string(), "etelecom");
    EXPECT_TRUE(by_id["f405841b5f2352790b36"].at("type_id").is_null());
}

TEST_F(ApiTest, UnknownPathsAndMethods) {
    send(make_request(http::verb::get, "/nope"), t0);
    EXPECT_EQ(last_status_, http::status::not_found);
    send(make_request(http::verb::get, "/ZaloCallback/GetCallback"), t0);
    EXPECT_EQ(last_status_, http::status::method_not_allowed);
}

}  // namespace
}  // namespace deliveryd::sim
