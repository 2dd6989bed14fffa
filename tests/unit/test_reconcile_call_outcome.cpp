// interpret_answer(): what one status call's HTTP exchange means for the
// scheduler: the verdict, the metric label, the Observations and the ids
// GetCallback left out.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/reconcile/call_outcome.hpp"
#include "deliveryd/reconcile/planner.hpp"
#include "deliveryd/reconcile/status_source.hpp"

#include "unit/seed_files.hpp"

namespace deliveryd::reconcile {
namespace {

using core::Provider;
using core::Source;
using core::StateLabel;

using testing::read_documented;
using testing::read_seed;

const core::Timestamp received{std::chrono::sys_days{std::chrono::year{2025} / 7 / 1}};

// The id the GetCallback seed answers about, and the OA it belongs to.
const std::string seed_callback_id = "4a496110-9fd3-4838-ac8b-bcaa36616f7011";
const std::string seed_oa_id = "1090257973118325189";
// The SMSID of the GetSendStatus seed 002_100.
const std::string seed_send_status_id = "434a124c-7818-4f45-bdf2-7f7b07fff210100";

PlannedCall get_callback_call(std::vector<std::string> ids) {
    return PlannedCall{source_named("get_callback"), "default", seed_oa_id, "", std::move(ids), {}};
}

PlannedCall send_status_call(std::string id) {
    return PlannedCall{source_named("send_status"), "default", "", "", {std::move(id)}, {}};
}

PlannedCall zalo_status_call() {
    return PlannedCall{source_named("zalo_status"), "default", "4097311281936189049",
                       "e1a60e8890be9de4c4ab",      {"zns-1"}, {}};
}

// The SMSID of the answers written from QueryZnsStatus's field list.
const std::string documented_zns_id = "b1c2e7a4-93f1-4c4e-8d55-0f7e61c2a9d1101";

PlannedCall query_zns_call() {
    return PlannedCall{
        source_named("query_zns_status"), "default", "25", "", {documented_zns_id}, {}};
}

PlannedCall etelecom_call(std::string id = "et-1") {
    return PlannedCall{source_named("etelecom_get_message"),
                       std::string(etelecom_account),
                       "1397492183140006179",
                       id,
                       {id},
                       {}};
}

CallAnswer http(int status, std::string_view body) {
    return CallAnswer{net::HttpFailure::none, status, body};
}

// Every verdict but `answered` carries nothing to store and no missing ids.
void expect_nothing_to_store(const CallOutcome& out) {
    EXPECT_TRUE(out.observations.empty());
    EXPECT_TRUE(out.missing.empty());
}

TEST(ReconcileCallOutcome, VerdictTexts) {
    EXPECT_EQ(to_string(CallVerdict::answered), "answered");
    EXPECT_EQ(to_string(CallVerdict::rejected), "rejected");
    EXPECT_EQ(to_string(CallVerdict::retry), "retry");
    EXPECT_EQ(to_string(CallVerdict::tps_exceeded), "tps_exceeded");
    EXPECT_EQ(to_string(CallVerdict::credentials), "credentials");
    EXPECT_EQ(to_string(CallVerdict::credentials_or_unknown_id), "credentials_or_unknown_id");
}

TEST(ReconcileCallOutcome, TransportFailureIsRetryLabelledByItsCause) {
    for (const auto cause : {net::HttpFailure::timeout, net::HttpFailure::connect}) {
        // Whatever status or body came with it, a transport failure decides.
        const auto out = interpret_answer(get_callback_call({seed_callback_id}),
                                          CallAnswer{cause, 200, R"({"Code":100})"}, received);
        EXPECT_EQ(out.verdict, CallVerdict::retry) << net::to_string(cause);
        EXPECT_EQ(out.outcome, net::to_string(cause));
        expect_nothing_to_store(out);
    }
}

TEST(ReconcileCallOutcome, Http5xxIsRetry) {
    for (const int status : {500, 502, 503, 504}) {
        for (const auto& call : {get_callback_call({"a"}), send_status_call("a"),
                                 zalo_status_call(), etelecom_call()}) {
            const auto out = interpret_answer(call, http(status, "Service Unavailable"), received);
            EXPECT_EQ(out.verdict, CallVerdict::retry) << status << " " << call.source->name();
            EXPECT_EQ(out.outcome, "http_5xx");
            EXPECT_EQ(out.detail, "HTTP " + std::to_string(status));
            expect_nothing_to_store(out);
        }
    }
}

TEST(ReconcileCallOutcome, Http429IsTpsExceeded) {
    for (const auto& call :
         {get_callback_call({"a"}), send_status_call("a"), zalo_status_call(), etelecom_call()}) {
        const auto out = interpret_answer(call, http(429, ""), received);
        EXPECT_EQ(out.verdict, CallVerdict::tps_exceeded) << call.source->name();
        EXPECT_EQ(out.outcome, "tps_exceeded");
        expect_nothing_to_store(out);
    }
}

TEST(ReconcileCallOutcome, Http401And403AreCredentials) {
    for (const int status : {401, 403}) {
        for (const auto& call : {get_callback_call({"a"}), send_status_call("a"),
                                 zalo_status_call(), etelecom_call()}) {
            const auto out = interpret_answer(call, http(status, ""), received);
            EXPECT_EQ(out.verdict, CallVerdict::credentials)
                << status << " " << call.source->name();
            EXPECT_EQ(out.outcome, "credentials");
            EXPECT_EQ(out.detail, "HTTP " + std::to_string(status));
            expect_nothing_to_store(out);
        }
    }
}

TEST(ReconcileCallOutcome, EtelecomNotFoundIsAnAnswerWithoutData) {
    const auto out = interpret_answer(
        etelecom_call(), http(404, R"({"code":"not_found","msg":"message not found"})"), received);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    EXPECT_EQ(out.outcome, "no_data");
    EXPECT_NE(out.detail.find("404"), std::string::npos);
    expect_nothing_to_store(out);
}

TEST(ReconcileCallOutcome, EtelecomOther404IsHttp4xx) {
    // Without Twirp's not_found the 404 is about the URL, not the message.
    const auto out = interpret_answer(etelecom_call(), http(404, "404 page not found"), received);
    EXPECT_EQ(out.verdict, CallVerdict::retry);
    EXPECT_EQ(out.outcome, "http_4xx");
}

TEST(ReconcileCallOutcome, Etelecom400IsRejected) {
    const auto out = interpret_answer(
        etelecom_call(), http(400, R"({"code":"invalid_argument","msg":"msg_id"})"), received);
    EXPECT_EQ(out.verdict, CallVerdict::rejected);
    EXPECT_EQ(out.outcome, "rejected");
    EXPECT_EQ(out.detail, "HTTP 400");
    expect_nothing_to_store(out);
}

TEST(ReconcileCallOutcome, Other4xxIsHttp4xxRetry) {
    // eSMS's endpoints have no Twirp meaning for 404 or 400.
    for (const auto& call : {get_callback_call({"a"}), send_status_call("a"), zalo_status_call()}) {
        for (const int status : {400, 404}) {
            const auto out =
                interpret_answer(call, http(status, R"({"code":"not_found"})"), received);
            EXPECT_EQ(out.verdict, CallVerdict::retry) << status << " " << call.source->name();
            EXPECT_EQ(out.outcome, "http_4xx");
            expect_nothing_to_store(out);
        }
    }
    for (const int status : {405, 409, 413, 418}) {
        const auto out = interpret_answer(etelecom_call(), http(status, ""), received);
        EXPECT_EQ(out.verdict, CallVerdict::retry) << status;
        EXPECT_EQ(out.outcome, "http_4xx");
    }
}

TEST(ReconcileCallOutcome, MalformedBodyIsRetry) {
    for (const auto& call :
         {get_callback_call({"a"}), send_status_call("a"), zalo_status_call(), etelecom_call()}) {
        for (const std::string_view body : {"", "{\"Code\":100", "<html>oops</html>", "[1,2]"}) {
            const auto out = interpret_answer(call, http(200, body), received);
            EXPECT_EQ(out.verdict, CallVerdict::retry) << call.source->name() << " " << body;
            EXPECT_EQ(out.outcome, "malformed");
            EXPECT_FALSE(out.detail.empty());
            expect_nothing_to_store(out);
        }
    }
}

TEST(ReconcileCallOutcome, NothingAskedIsAnsweredWithNothing) {
    const auto out = interpret_answer(get_callback_call({}), http(200, "not even JSON"), received);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    EXPECT_EQ(out.outcome, "ok");
    expect_nothing_to_store(out);
}

TEST(ReconcileCallOutcome, GetCallbackSeedAnswersTheIdAsked) {
    const auto body = read_seed("get_callback_000.json");
    const auto out =
        interpret_answer(get_callback_call({seed_callback_id}), http(200, body), received);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    EXPECT_EQ(out.outcome, "ok");
    ASSERT_EQ(out.observations.size(), 1U);
    const auto& o = out.observations[0];
    EXPECT_EQ(o.sms_id, seed_callback_id);
    EXPECT_EQ(o.source, Source::get_callback);
    EXPECT_EQ(o.provider, Provider::esms);
    EXPECT_EQ(o.observed_at, received);
    EXPECT_EQ(o.state, StateLabel::failed);
    EXPECT_EQ(o.partner_id, "7984e9b198c40e9957d6");
    EXPECT_EQ(o.oa_id, seed_oa_id);
    EXPECT_TRUE(out.missing.empty());
}

TEST(ReconcileCallOutcome, GetCallbackMissingAreTheAskedIdsNotReturned) {
    const auto body = read_seed("get_callback_000.json");
    const auto out = interpret_answer(get_callback_call({"early-1", seed_callback_id, "late-2"}),
                                      http(200, body), received);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    EXPECT_EQ(out.outcome, "ok");
    ASSERT_EQ(out.observations.size(), 1U);
    EXPECT_EQ(out.observations[0].sms_id, seed_callback_id);
    EXPECT_EQ(out.missing, (std::vector<std::string>{"early-1", "late-2"}));
}

TEST(ReconcileCallOutcome, GetCallbackEntryForAnIdNotAskedIsDropped) {
    const auto body = read_seed("get_callback_000.json");
    const auto out =
        interpret_answer(get_callback_call({"asked-1", "asked-2"}), http(200, body), received);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    EXPECT_EQ(out.outcome, "ok");
    EXPECT_TRUE(out.observations.empty());
    EXPECT_EQ(out.missing, (std::vector<std::string>{"asked-1", "asked-2"}));
    EXPECT_FALSE(out.notes.empty());
}

TEST(ReconcileCallOutcome, GetCallbackKeepsAskedEntriesAndDropsOthers) {
    const auto out = interpret_answer(
        get_callback_call({"b-2", "a-1", "c-3"}),
        http(200, R"({"Code":100,"Message":"Success","Data_callback":[)"
                  R"({"SMSID":"a-1","SendStatus":5,"SendSuccess":1,"SendFailed":0},)"
                  R"({"SMSID":"stranger","SendStatus":5,"SendSuccess":1,"SendFailed":0},)"
                  R"({"SMSID":"c-3","SendStatus":2}]})"),
        received);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    ASSERT_EQ(out.observations.size(), 2U);
    EXPECT_EQ(out.observations[0].sms_id, "a-1");
    EXPECT_EQ(out.observations[0].state, StateLabel::sent);
    EXPECT_EQ(out.observations[1].sms_id, "c-3");
    EXPECT_EQ(out.observations[1].state, StateLabel::waiting);
    EXPECT_EQ(out.missing, (std::vector<std::string>{"b-2"}));
    ASSERT_EQ(out.notes.size(), 1U);
}

TEST(ReconcileCallOutcome, AProviderMessageCannotBreakOrForgeALogLine) {
    const auto out = interpret_answer(
        get_callback_call({"a"}),
        http(200, R"({"Code":101,"Message":"wrong key\n2026-01-01 info forged line\u0007"})"),
        received);
    EXPECT_EQ(out.detail.find('\n'), std::string::npos) << out.detail;
    EXPECT_NE(out.detail.find("wrong key?2026-01-01 info forged line?"), std::string::npos)
        << out.detail;
}

TEST(ReconcileCallOutcome, EsmsCode101ToGetCallbackIsCredentials) {
    // GetCallback leaves out the ids it holds nothing for: its 101 refuses
    // the whole call, i.e. the keys.
    for (const auto& call : {get_callback_call({"a"}), get_callback_call({"a", "b", "c"})}) {
        const auto out =
            interpret_answer(call, http(200, R"({"Code":101,"Message":"wrong key"})"), received);
        EXPECT_EQ(out.verdict, CallVerdict::credentials);
        EXPECT_EQ(out.outcome, "credentials");
        EXPECT_NE(out.detail.find("101"), std::string::npos);
        EXPECT_NE(out.detail.find("wrong key"), std::string::npos);
        expect_nothing_to_store(out);
    }
}

TEST(ReconcileCallOutcome, EsmsCode101AboutOneMessageMayBeAboutTheMessage) {
    // Seed 002's "Invalid request" sample: a 101 echoing one SMSID. KeyHealth
    // decides whether it is the keys; the metric label is the provider's word.
    const auto seed =
        interpret_answer(send_status_call("47756317-0cbe-494a-9d02-c85703a1baff20"),
                         http(200, read_seed("get_send_status_002_101.json")), received);
    EXPECT_EQ(seed.verdict, CallVerdict::credentials_or_unknown_id);
    EXPECT_EQ(seed.outcome, "credentials");
    EXPECT_NE(seed.detail.find("101"), std::string::npos);
    expect_nothing_to_store(seed);

    const auto zalo = interpret_answer(
        zalo_status_call(), http(200, R"({"CodeResult":"101","ErrorMessage":"Authorize Failed"})"),
        received);
    EXPECT_EQ(zalo.verdict, CallVerdict::credentials_or_unknown_id);
    EXPECT_EQ(zalo.outcome, "credentials");
}

TEST(ReconcileCallOutcome, OtherCredentialsCodesAboutOneMessageAreStillCredentials) {
    for (const int code : {102, 140, 143}) {
        const auto body = R"({"CodeResponse":")" + std::to_string(code) + R"(","SMSID":"a"})";
        const auto out = interpret_answer(send_status_call("a"), http(200, body), received);
        EXPECT_EQ(out.verdict, CallVerdict::credentials) << code;
        EXPECT_EQ(out.outcome, "credentials") << code;
    }
}

TEST(ReconcileCallOutcome, EsmsCode160IsTpsExceeded) {
    for (const auto& call : {get_callback_call({"a"}), send_status_call("a")}) {
        const auto body = call.source == source_named("get_callback") ? R"({"Code":"160"})"
                                                                      : R"({"CodeResponse":"160"})";
        const auto out = interpret_answer(call, http(200, body), received);
        EXPECT_EQ(out.verdict, CallVerdict::tps_exceeded) << call.source->name();
        EXPECT_EQ(out.outcome, "tps_exceeded");
        expect_nothing_to_store(out);
    }
    const auto zalo =
        interpret_answer(zalo_status_call(), http(200, R"({"CodeResult":160})"), received);
    EXPECT_EQ(zalo.verdict, CallVerdict::tps_exceeded);
    EXPECT_EQ(zalo.outcome, "tps_exceeded");
}

TEST(ReconcileCallOutcome, EsmsCode105IsAnAnswerWithoutData) {
    // The SMSID in the answer does not matter: no record is read for 105.
    const auto out = interpret_answer(send_status_call("sms-1"),
                                      http(200, R"({"CodeResponse":"105","SMSID":"x"})"), received);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    EXPECT_EQ(out.outcome, "no_data");
    EXPECT_NE(out.detail.find("105"), std::string::npos);
    expect_nothing_to_store(out);

    const auto later = interpret_answer(send_status_call("sms-1"),
                                        http(200, R"({"CodeResponse":"854"})"), received);
    EXPECT_EQ(later.verdict, CallVerdict::answered);
    EXPECT_EQ(later.outcome, "no_data");
}

TEST(ReconcileCallOutcome, EsmsPermanentCodeIsRejected) {
    for (const int code : {99, 106, 120, 851}) {
        const auto body = R"({"Code":)" + std::to_string(code) + "}";
        const auto out = interpret_answer(get_callback_call({"a"}), http(200, body), received);
        EXPECT_EQ(out.verdict, CallVerdict::rejected) << code;
        EXPECT_EQ(out.outcome, "rejected");
        expect_nothing_to_store(out);
    }
    const auto send =
        interpret_answer(send_status_call("a"), http(200, R"({"CodeResponse":"99"})"), received);
    EXPECT_EQ(send.verdict, CallVerdict::rejected);
    EXPECT_EQ(send.outcome, "rejected");
}

TEST(ReconcileCallOutcome, UnknownEsmsCodeIsRetryCode) {
    const auto out = interpret_answer(get_callback_call({"a"}),
                                      http(200, R"({"Code":555,"Message":"new"})"), received);
    EXPECT_EQ(out.verdict, CallVerdict::retry);
    EXPECT_EQ(out.outcome, "retry_code");
    EXPECT_NE(out.detail.find("555"), std::string::npos);
    expect_nothing_to_store(out);

    // A documented retry-later code other than 105/160/854 is the same.
    const auto balance =
        interpret_answer(send_status_call("a"), http(200, R"({"CodeResponse":"103"})"), received);
    EXPECT_EQ(balance.verdict, CallVerdict::retry);
    EXPECT_EQ(balance.outcome, "retry_code");
}

TEST(ReconcileCallOutcome, GetSendStatusSeedAnswersWithOneObservation) {
    const auto out =
        interpret_answer(send_status_call(seed_send_status_id),
                         http(200, read_seed("get_send_status_002_100.json")), received);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    EXPECT_EQ(out.outcome, "ok");
    ASSERT_EQ(out.observations.size(), 1U);
    const auto& o = out.observations[0];
    EXPECT_EQ(o.sms_id, seed_send_status_id);
    EXPECT_EQ(o.source, Source::get_send_status);
    EXPECT_EQ(o.observed_at, received);
    EXPECT_EQ(o.state, StateLabel::sent);
    EXPECT_EQ(o.send_status, 5);
    EXPECT_EQ(o.send_success, 1);
    EXPECT_EQ(o.total_price, core::Price{8'500'000});
    EXPECT_TRUE(out.missing.empty());
}

TEST(ReconcileCallOutcome, GetSendStatusAboutAnotherIdIsMalformed) {
    const auto out =
        interpret_answer(send_status_call("someone-else"),
                         http(200, read_seed("get_send_status_002_100.json")), received);
    EXPECT_EQ(out.verdict, CallVerdict::retry);
    EXPECT_EQ(out.outcome, "malformed");
    expect_nothing_to_store(out);
}

TEST(ReconcileCallOutcome, ZaloStatusSeedIsDelivered) {
    const auto call = zalo_status_call();
    // The seed's delivery time is 2026-01-06: received on that day, it is plausible.
    const core::Timestamp that_day{std::chrono::sys_days{std::chrono::year{2026} / 1 / 6} +
                                   std::chrono::hours{12}};
    const auto out =
        interpret_answer(call, http(200, read_seed("zalo_message_status_004.json")), that_day);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    EXPECT_EQ(out.outcome, "ok");
    ASSERT_EQ(out.observations.size(), 1U);
    const auto& o = out.observations[0];
    EXPECT_EQ(o.sms_id, "zns-1");
    EXPECT_EQ(o.source, Source::zalo_status);
    EXPECT_EQ(o.state, StateLabel::delivered);
    EXPECT_EQ(o.zalo_status, 1);
    EXPECT_EQ(o.partner_id, call.message_id);
    EXPECT_EQ(o.oa_id, call.group);
    EXPECT_TRUE(o.delivered_at.has_value());
}

TEST(ReconcileCallOutcome, ZaloStatusUnknownMessageIsNoData) {
    const auto out = interpret_answer(
        zalo_status_call(),
        http(200, R"({"CodeResult":"100","Data":{"status":-1,"delivery_time":"0"}})"), received);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    EXPECT_EQ(out.outcome, "no_data");
    // The -1 is still recorded; it moves no label.
    ASSERT_EQ(out.observations.size(), 1U);
    EXPECT_EQ(out.observations[0].zalo_status, -1);
    EXPECT_EQ(out.observations[0].state, StateLabel::submitted);
}

TEST(ReconcileCallOutcome, EtelecomSeedsAnswerWithOneObservation) {
    const auto a = interpret_answer(
        etelecom_call("et-1"), http(200, read_seed("etelecom_get_message_003_a.json")), received);
    EXPECT_EQ(a.verdict, CallVerdict::answered);
    EXPECT_EQ(a.outcome, "ok");
    ASSERT_EQ(a.observations.size(), 1U);
    EXPECT_EQ(a.observations[0].sms_id, "et-1");
    EXPECT_EQ(a.observations[0].source, Source::etelecom_get_message);
    EXPECT_EQ(a.observations[0].provider, Provider::etelecom);
    EXPECT_EQ(a.observations[0].observed_at, received);
    EXPECT_EQ(a.observations[0].state, StateLabel::sent);

    const auto b = interpret_answer(
        etelecom_call("et-2"), http(200, read_seed("etelecom_get_message_003_b.json")), received);
    EXPECT_EQ(b.verdict, CallVerdict::answered);
    EXPECT_EQ(b.outcome, "ok");
    ASSERT_EQ(b.observations.size(), 1U);
    EXPECT_EQ(b.observations[0].sms_id, "et-2");
    EXPECT_EQ(b.observations[0].state, StateLabel::failed);
    EXPECT_EQ(b.observations[0].error_code, 1);
}

TEST(ReconcileCallOutcome, QueryZnsStatusAnswersWithOneObservation) {
    const auto out = interpret_answer(
        query_zns_call(), http(200, read_documented("query_zns_status_delivered.json")), received);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    EXPECT_EQ(out.outcome, "ok");
    ASSERT_EQ(out.observations.size(), 1U);
    EXPECT_EQ(out.observations[0].source, Source::query_zns_status);
    EXPECT_EQ(out.observations[0].state, StateLabel::delivered);
    EXPECT_TRUE(out.missing.empty());
}

TEST(ReconcileCallOutcome, QueryZnsStatus854IsNoDataAnd851IsRejected) {
    const auto none = interpret_answer(
        query_zns_call(), http(200, read_documented("query_zns_status_854.json")), received);
    EXPECT_EQ(none.verdict, CallVerdict::answered);
    EXPECT_EQ(none.outcome, "no_data");
    expect_nothing_to_store(none);

    const auto missing = interpret_answer(
        query_zns_call(), http(200, read_documented("query_zns_status_851.json")), received);
    EXPECT_EQ(missing.verdict, CallVerdict::rejected);
    expect_nothing_to_store(missing);

    const auto empty = interpret_answer(query_zns_call(),
                                        http(200, R"({"CodeResult":"100","Data":null})"), received);
    EXPECT_EQ(empty.verdict, CallVerdict::answered);
    EXPECT_EQ(empty.outcome, "no_data");
}

TEST(ReconcileCallOutcome, QueryZnsStatusRequestCarriesTheTypeAsked) {
    PollingSettings settings;
    settings.esms.api_base = "http://127.0.0.1:1";
    settings.esms.accounts.push_back(EsmsAccount{"default", "k", "s"});
    const auto request = source_named("query_zns_status")->request(settings, query_zns_call());
    EXPECT_EQ(request.url, "http://127.0.0.1:1/MainService.svc/json/QueryZnsStatus/");
    EXPECT_NE(request.body.find(R"("SmsType":"25")"), std::string::npos);
    EXPECT_NE(request.body.find(documented_zns_id), std::string::npos);
}

}  // namespace
}  // namespace deliveryd::reconcile
