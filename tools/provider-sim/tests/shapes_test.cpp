// Every answer and callback has the structure of the seed samples: same
// field names, same JSON types, same parameter names and order.
#include <fstream>
#include <map>
#include <sstream>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "callback_query.hpp"
#include "error_info.hpp"
#include "esms_api.hpp"
#include "etelecom_api.hpp"
#include "fault_responses.hpp"
#include "test_support.hpp"
#include "url_encode.hpp"

namespace deliveryd::sim {
namespace {

namespace json = boost::json;
using namespace test;

const sim_time t0 = sim_time{std::chrono::sys_days{std::chrono::year{2026} / 1 / 6}};

class ShapesTest : public ::testing::Test {
  protected:
    ShapesTest() {
        auto success = event_at(2000, 5, 1, 0, zalo_error{0, "Success"});
        auto delivered = zns_message("zns-delivered-1", "e1a60e8890be9de4c4ab", t0);
        delivered.timeline = {event_at(500, 2), success};
        delivered.delivered_after = milliseconds(60000);

        auto failed = zns_message("zns-failed-1", "", t0);
        failed.timeline = {event_at(2000, 5, 0, 1, zalo_error{-124, "Access token is invalid"})};
        failed.error_tail = "Object reference not set to an instance of an object.";

        message sms;
        sms.sms_id = "434a124c-7818-4f45-bdf2-7f7b07fff210100";
        sms.type_id = 2;
        sms.phone = "0901888484";
        sms.price = 850.0;
        sms.submitted_at = t0;
        sms.timeline = {event_at(1000, 2), event_at(3000, 5, 1, 0)};

        message et;
        et.sms_id = "7984e9b198c40e9957d6";
        et.provider = provider_kind::etelecom;
        et.type_id = 0;
        et.oa_id = "2911530487364192745";
        et.phone = "0901888484";
        et.template_id = "228386";
        et.partner_id = et.sms_id;
        et.price = 300;
        et.submitted_at = t0;
        et.timeline = {event_at(1000, 5, 0, 1, zalo_error{-118, "Zalo account does not exist"})};
        et.sms = sms_fallback{};
        et.sms->at = milliseconds(4000);

        message et_ok = et;
        et_ok.sms_id = "f405841b5f2352790b36";
        et_ok.partner_id = et_ok.sms_id;
        et_ok.timeline = {event_at(1000, 5, 1, 0, zalo_error{0, "Success"})};
        et_ok.sms.reset();
        et_ok.delivered_after = milliseconds(5000);

        store_ = std::make_unique<message_store>(
            std::vector<message>{delivered, failed, sms, et, et_ok});
    }

    http_response call(http_response (*handler)(api_context&, const http_request&, api_time),
                       const http_request& req, sim_time now,
                       unknown_id_answer unknown_id = unknown_id_answer::code_105) {
        api_context ctx{*store_,   creds_, limiter_, stats_, "http://127.0.0.1:8080/callback/esms",
                        unknown_id};
        return handler(ctx, req, api_time{std::chrono::steady_clock::now(), now});
    }

    std::unique_ptr<message_store> store_;
    credentials creds_;
    rate_limiter limiter_{rate_limits{}};
    sim_stats stats_;
};

TEST_F(ShapesTest, GetCallbackMatchesSeed000) {
    auto req = make_request(http::verb::post, "/ZaloCallback/GetCallback",
                            R"({"ApiKey":"sim-api-key","SecretKey":"sim-secret-key",
                                "ListRefid":["zns-failed-1","zns-delivered-1"],
                                "OAId":"1397492183140006179"})");
    auto res = call(handle_get_callback, req, t0 + milliseconds(70000));
    ASSERT_EQ(res.result(), http::status::ok);
    auto body = parse_json(res.body());
    EXPECT_TRUE(same_structure(data_json("get_callback_100.json"), body));
    ASSERT_EQ(body.at("Data_callback").as_array().size(), 2U);
    const auto& failed = body.at("Data_callback").at(0);
    EXPECT_EQ(failed.at("ErrorInfo").as_string(),
              R"({"error":-124,"message":"Access token is invalid"})"
              "Object reference not set to an instance of an object.");
    EXPECT_EQ(failed.at("Partnerids").as_string(), "");
    const auto& ok = body.at("Data_callback").at(1);
    EXPECT_EQ(ok.at("Partnerids").as_string(), "e1a60e8890be9de4c4ab");
    // Prices are printed the .NET way, never as 2E2.
    EXPECT_NE(res.body().find(R"("TotalPrice":200.0000)"), std::string::npos) << res.body();
}

TEST_F(ShapesTest, GetSendStatusMatchesSeed002) {
    auto ok = call(handle_get_send_status,
                   make_request(http::verb::get,
                                "/MainService.svc/json/GetSendStatus?RefId="
                                "434a124c-7818-4f45-bdf2-7f7b07fff210100&ApiKey=sim-api-key&"
                                "SecretKey=sim-secret-key"),
                   t0 + milliseconds(5000));
    EXPECT_TRUE(same_structure(data_json("get_send_status_100.json"), parse_json(ok.body())));
    EXPECT_NE(ok.body().find(R"("TotalPrice":850.0000)"), std::string::npos) << ok.body();

    auto wrong_key = call(handle_get_send_status,
                          make_request(http::verb::get,
                                       "/MainService.svc/json/GetSendStatus?RefId=x&ApiKey=no&"
                                       "SecretKey=sim-secret-key"),
                          t0);
    EXPECT_TRUE(
        same_structure(data_json("get_send_status_101.json"), parse_json(wrong_key.body())));
    EXPECT_EQ(parse_json(wrong_key.body()).at("CodeResponse").as_string(), "101");

    // 105 (unknown id) uses the short shape of 101.
    auto unknown = call(handle_get_send_status,
                        make_request(http::verb::get,
                                     "/MainService.svc/json/GetSendStatus?RefId=nope&ApiKey="
                                     "sim-api-key&SecretKey=sim-secret-key"),
                        t0);
    EXPECT_TRUE(same_structure(data_json("get_send_status_101.json"), parse_json(unknown.body())));
    EXPECT_EQ(parse_json(unknown.body()).at("CodeResponse").as_string(), "105");
}

TEST_F(ShapesTest, GetSendStatusUnknownIdIn101FormIsSeed002sInvalidRequest) {
    // Seed 002's 101 sample names an SMSID: in this form the unknown id is
    // echoed in it, keys and all right.
    auto unknown = call(handle_get_send_status,
                        make_request(http::verb::get,
                                     "/MainService.svc/json/GetSendStatus?RefId="
                                     "47756317-0cbe-494a-9d02-c85703a1baff20&ApiKey=sim-api-key&"
                                     "SecretKey=sim-secret-key"),
                        t0, unknown_id_answer::code_101);
    EXPECT_EQ(unknown.result(), http::status::ok);
    EXPECT_EQ(parse_json(unknown.body()), data_json("get_send_status_101.json")) << unknown.body();
}

TEST_F(ShapesTest, GetZaloMessageStatusMatchesSeed004) {
    auto req = make_request(http::verb::post, "/MainService.svc/json/GetZaloMessageStatus",
                            R"({"ApiKey":"sim-api-key","SecretKey":"sim-secret-key",
                                "OAID":"1397492183140006179","MessageId":"e1a60e8890be9de4c4ab"})");
    auto res = call(handle_zalo_status, req, t0 + milliseconds(70000));
    auto body = parse_json(res.body());
    EXPECT_TRUE(same_structure(data_json("get_zalo_message_status_100.json"), body));
    auto expected_ms = (t0 + milliseconds(60000)).time_since_epoch().count();
    EXPECT_EQ(body.at("Data").at("delivery_time").as_string(), std::to_string(expected_ms));
}

TEST_F(ShapesTest, EtelecomGetMessageMatchesSeed003) {
    auto failed = etelecom_message_body(*store_->find("7984e9b198c40e9957d6"), t0 + 10s);
    EXPECT_TRUE(same_structure(data_json("etelecom_get_message.json"), json::value(failed),
                               {"$.template_data"}));
    EXPECT_EQ(failed.at("error_code").as_int64(), -118);
    EXPECT_EQ(failed.at("sms").at("status").as_string(), "success");

    // Without an SMS fallback the `sms` object is left out; nothing else changes.
    auto seed = data_json("etelecom_get_message.json");
    seed.as_object().erase("sms");
    auto ok = etelecom_message_body(*store_->find("f405841b5f2352790b36"), t0 + 10s);
    EXPECT_TRUE(same_structure(seed, json::value(ok), {"$.template_data"}));
    EXPECT_EQ(ok.at("delivery_status").as_string(), "received");
}

TEST_F(ShapesTest, EtelecomErrorsAreTwirpShaped) {
    auto req = make_request(http::verb::post, "/v1/shop.Zalo/GetMessage", R"({"msg_id":"x"})");
    req.set(http::field::authorization, "Bearer wrong");
    auto res = call(handle_etelecom_get_message, req, t0);
    EXPECT_EQ(res.result(), http::status::unauthorized);
    auto body = parse_json(res.body());
    EXPECT_EQ(body.at("code").as_string(), "unauthenticated");
    EXPECT_TRUE(body.at("msg").is_string());
    EXPECT_EQ(body.as_object().size(), 2U);
}

// Parameter names and order of each seed 001 sample, against the callback
// the simulator builds for a message of the same TypeId.
TEST(CallbackShapes, ParameterNamesAndOrderMatchSeed001) {
    std::map<std::string, std::string> samples;
    std::istringstream lines(read_data_file("callback_samples.txt"));
    std::string line;
    while (std::getline(lines, line)) {
        auto tab = line.find('\t');
        samples[line.substr(0, tab)] = line.substr(tab + 1);
    }
    ASSERT_EQ(samples.size(), 7U);

    auto query_for = [](int type_id, bool success) {
        auto m = zns_message("id-1", success ? "e1a60e8890be9de4c4ab" : "", t0, type_id);
        m.zalo_user_id = "31215806834323092";
        m.timeline = {success ? event_at(1000, 5, 1, 0, zalo_error{0, "Success"})
                              : event_at(1000, 5, 0, 1, zalo_error{-114, "User is inactive"})};
        return callback_query({&m, &m.timeline[0], t0 + 1s, false});
    };
    EXPECT_EQ(query_names(query_for(2, true)), query_names(samples["sms_cskh_2"]));
    EXPECT_EQ(query_names(query_for(1, true)), query_names(samples["sms_promo_1"]));
    EXPECT_EQ(query_names(query_for(23, true)), query_names(samples["viber_23"]));
    EXPECT_EQ(query_names(query_for(25, false)), query_names(samples["zns_25"]));
    EXPECT_EQ(query_names(query_for(24, true)), query_names(samples["zns_25"]));
    EXPECT_EQ(query_names(query_for(26, true)), query_names(samples["consulting_26"]));
    EXPECT_EQ(query_names(query_for(27, true)), query_names(samples["journey_27"]));
}

// The encoders reproduce the samples' raw error_info byte for byte.
TEST(CallbackShapes, ErrorInfoEncodingsReproduceSeed001) {
    std::map<std::string, std::string> samples;
    std::istringstream lines(read_data_file("callback_samples.txt"));
    std::string line;
    while (std::getline(lines, line)) {
        auto tab = line.find('\t');
        samples[line.substr(0, tab)] = line.substr(tab + 1);
    }
    // 24/25: one decode gives a JSON string literal holding the JSON.
    auto raw25 = query_value(samples["zns_25"], "error_info");
    auto literal = percent_decode(raw25).value();
    EXPECT_EQ(encode_esms_zns(literal), raw25);
    auto inner = json::parse(json::parse(literal).as_string());
    EXPECT_EQ(inner.at("error").as_int64(), -114);

    // 26/27: two decodes give JSON + "____dd/MM/yyyy HH:mm:ss".
    for (const char* name : {"consulting_26", "transaction_26", "journey_27"}) {
        auto raw = query_value(samples[name], "error_info");
        auto once = percent_decode(raw).value();
        auto twice = percent_decode(once).value();
        EXPECT_EQ(encode_uri_component(encode_uri(twice)), raw) << name;
        auto sep = twice.find("____");
        ASSERT_NE(sep, std::string::npos);
        EXPECT_EQ(twice.size() - sep - 4, std::string("24/04/2024 16:58:01").size());
        EXPECT_EQ(json::parse(twice.substr(0, sep)).at("error").as_int64(), 0);
    }
}

TEST(CallbackShapes, SimulatorErrorInfoDecodesLikeTheSeeds) {
    // 26 success at 2024-04-24 09:58:01 UTC = 16:58:01 Vietnam time.
    sim_time at =
        sim_time{std::chrono::sys_days{std::chrono::year{2024} / 4 / 24}} + 9h + 58min + 1s;
    auto m = zns_message("7d11c87a22934df390f73ec59d8defd6205", "e1a60e8890be9de4c4ab", at, 26);
    m.zalo_user_id = "31215806834323092";
    m.timeline = {event_at(0, 5, 1, 0, zalo_error{0, "Success"})};
    auto q = callback_query({&m, &m.timeline[0], at, false});
    auto twice = percent_decode(percent_decode(query_value(q, "error_info")).value()).value();
    EXPECT_EQ(twice,
              R"({"data":{"message_id":"e1a60e8890be9de4c4ab","user_id":"31215806834323092"},)"
              R"("error":0,"message":"Success"}____24/04/2024 16:58:01)");
    EXPECT_EQ(query_value(q, "partnerids"), "e1a60e8890be9de4c4ab");

    // 25 failure: JSON string literal, partnerids empty, TotalSent 0.
    auto f = zns_message("f66545d2", "", at, 25);
    f.timeline = {event_at(0, 5, 0, 1, zalo_error{-114, "User is inactive"})};
    auto qf = callback_query({&f, &f.timeline[0], at, false});
    auto literal = percent_decode(query_value(qf, "error_info")).value();
    EXPECT_EQ(literal, R"("{\"error\":-114,\"message\":\"User is inactive\"}")");
    EXPECT_EQ(query_value(qf, "partnerids"), "");
    EXPECT_EQ(query_value(qf, "TotalSent"), "0");
    EXPECT_EQ(query_value(qf, "TotalPrice"), "0.0000");

    // uid: plain JSON, delivery report with data.status 1.
    auto u = zns_message("uid-1", "aaaabbbbccccddddeeee", at, 24);
    u.uid = true;
    u.timeline = {event_at(0, 5, 1, 0, zalo_error{0, "Success"})};
    auto qu = callback_query({&u, &u.timeline[0], at, true});
    auto plain = json::parse(percent_decode(query_value(qu, "error_info")).value());
    EXPECT_EQ(plain.at("data").at("status").as_int64(), 1);
    EXPECT_TRUE(plain.at("data").at("delivery_time").is_null());
}

TEST(FaultShapes, BadCodeAnswersKeepTheEndpointShape) {
    auto req = make_request(http::verb::get,
                            "/MainService.svc/json/GetSendStatus?RefId=abc&ApiKey=k&SecretKey=s");
    auto res = bad_code_response(endpoint::get_send_status, req);
    EXPECT_TRUE(same_structure(data_json("get_send_status_101.json"), parse_json(res.body())));
    EXPECT_EQ(parse_json(res.body()).at("SMSID").as_string(), "abc");

    auto malformed = json_response(req, http::status::ok, R"({"CodeResult":"100","Data":{}})");
    make_malformed(malformed);
    boost::system::error_code ec;
    (void)json::parse(malformed.body(), ec);
    EXPECT_TRUE(ec) << malformed.body();
    EXPECT_EQ(malformed[http::field::content_length], std::to_string(malformed.body().size()));
}

}  // namespace
}  // namespace deliveryd::sim
