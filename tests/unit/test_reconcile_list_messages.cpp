// eTelecom's ListMessages as a sweep's listing: the window it asks for, how
// a page answers the rows swept (by msg_id, else by tracking_id), follows
// the cursor, stops at the break-even page and sends what it lacked to
// GetMessage.
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "deliveryd/core/time_text.hpp"
#include "deliveryd/reconcile/call_outcome.hpp"
#include "deliveryd/reconcile/status_source.hpp"
#include "deliveryd/reconcile/sweep_rules.hpp"

#include "reconcile/sources/sweep_calls.hpp"

namespace deliveryd::reconcile {
namespace {

using namespace std::chrono_literals;

const core::Timestamp t0 = *core::parse_rfc3339("2026-12-05T02:00:00Z");

PlannedCall first_page(std::vector<std::string> ids, std::size_t max_pages = 10) {
    // Rows created from 02:10 to 02:50, swept at 04:00.
    return sources::etelecom_sweep_call(std::string(etelecom_account),
                                        {"1397", t0 + 10min, t0 + 50min, max_pages}, std::move(ids),
                                        t0 + 2h);
}

std::string page_body(const std::vector<std::string>& msg_ids, std::string_view next,
                      const std::vector<std::string>& tracking_ids = {}) {
    std::string messages;
    for (const auto& id : msg_ids) {
        messages += fmt::format(
            R"({}{{"msg_id":"{}","delivery_status":"received","sent_time":"2026-12-05T02:11:00Z"}})",
            messages.empty() ? "" : ",", id);
    }
    for (const auto& id : tracking_ids) {
        messages += fmt::format(R"({}{{"msg_id":"","tracking_id":"{}","error_code":-108}})",
                                messages.empty() ? "" : ",", id);
    }
    return fmt::format(R"({{"messages":[{}],"paging":{{"next":"{}"}}}})", messages, next);
}

CallAnswer http(std::string_view body, int status = 200) {
    return CallAnswer{net::HttpFailure::none, status, body};
}

PollingSettings settings() {
    PollingSettings s;
    s.etelecom = EtelecomSettings{};
    s.etelecom->base_url = "http://127.0.0.1:1/v1/shop";
    s.etelecom->api_key = "k";
    s.etelecom->list_messages_page_size = 50;
    return s;
}

TEST(ReconcileListMessages, IsAListingOfEtelecomRowsOnlyWhenConfigured) {
    const auto* source = source_named("etelecom_list_messages");
    ASSERT_NE(source, nullptr);
    EXPECT_TRUE(source->is_listing());
    EXPECT_EQ(source->provider(), core::Provider::etelecom);
    EXPECT_EQ(source->rate(settings(), etelecom_account), 1.0);
    auto off = settings();
    off.etelecom->list_messages_tps = 0;
    EXPECT_EQ(source->rate(off, etelecom_account), std::nullopt);
    EXPECT_EQ(source->rate(PollingSettings{}, etelecom_account), std::nullopt);
    EXPECT_TRUE(std::holds_alternative<NotMine>(source->place(core::State{}, ScheduleSettings{})));
}

TEST(ReconcileListMessages, AsksForTheUpdateTimesFromTheFirstCreationToNow) {
    auto call = first_page({"m1"});
    EXPECT_EQ(call.source->name(), "etelecom_list_messages");
    EXPECT_EQ(call.group, "1397");
    auto request = call.source->request(settings(), call);
    EXPECT_EQ(request.url, "http://127.0.0.1:1/v1/shop.Zalo/ListMessages");
    // From 02:10 less the pad; to 04:00 (now) plus the pad.
    EXPECT_EQ(request.body,
              R"({"filter":{"oa_id":"1397","date_from":"2026-12-05T02:00:00.000000Z",)"
              R"("date_to":"2026-12-05T04:10:00.000000Z","time_type":"updated_time"},)"
              R"("paging":{"limit":50}})");
    call.cursor = "2|abc|def";
    request = call.source->request(settings(), call);
    EXPECT_NE(request.body.find(R"("paging":{"limit":50,"after":"abc|def"})"), std::string::npos);
}

TEST(ReconcileListMessages, APageAnswersTheSweptRowsByMsgIdOrTrackingIdAndAsksForTheNext) {
    const auto out = interpret_answer(first_page({"m1", "m3", "order-7", "m9"}),
                                      http(page_body({"m1", "x2", "m3"}, "c1", {"order-7"})), t0);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    EXPECT_EQ(out.outcome, "ok");
    ASSERT_EQ(out.observations.size(), 3U);
    EXPECT_EQ(out.observations[0].sms_id, "m1");
    EXPECT_EQ(out.observations[1].sms_id, "m3");
    EXPECT_EQ(out.observations[2].sms_id, "order-7");  // the sender's tracking_id
    EXPECT_EQ(out.observations[2].state, core::StateLabel::failed);
    ASSERT_EQ(out.listed_unasked.size(), 1U);
    EXPECT_EQ(out.listed_unasked[0].sms_id, "x2");
    EXPECT_EQ(out.next_cursor, "2|c1");
    EXPECT_TRUE(out.not_listed.empty());
}

TEST(ReconcileListMessages, TheLastPageSendsWhatNoPageListedToGetMessage) {
    auto call = first_page({"m3", "m9"});
    call.cursor = "4|c3";
    const auto out = interpret_answer(call, http(page_body({"m3"}, "")), t0);
    EXPECT_EQ(out.observations.size(), 1U);
    EXPECT_TRUE(out.next_cursor.empty());
    EXPECT_EQ(out.not_listed, (std::vector<std::string>{"m9"}));

    // A page without messages ends the listing, whatever its cursor says.
    const auto empty = interpret_answer(first_page({"m9"}), http(page_body({}, "c9")), t0);
    EXPECT_TRUE(empty.next_cursor.empty());
    EXPECT_EQ(empty.not_listed, (std::vector<std::string>{"m9"}));
}

TEST(ReconcileListMessages, TheSweepStopsAtTheBreakEvenPage) {
    auto call = first_page({"m1", "m9"}, 3);
    call.cursor = "3|c2";
    const auto out = interpret_answer(call, http(page_body({"m1"}, "c3")), t0);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    EXPECT_EQ(out.outcome, "too_many_pages");
    EXPECT_EQ(out.observations.size(), 1U);
    EXPECT_TRUE(out.next_cursor.empty());
    EXPECT_EQ(out.not_listed, (std::vector<std::string>{"m9"}));
}

TEST(ReconcileListMessages, ACursorThatDoesNotMoveEndsTheListing) {
    auto call = first_page({"m9"});
    call.cursor = "2|c1";
    const auto out = interpret_answer(call, http(page_body({"m1"}, "c1")), t0);
    EXPECT_TRUE(out.next_cursor.empty());
    EXPECT_EQ(out.not_listed, (std::vector<std::string>{"m9"}));
}

TEST(ReconcileListMessages, ErrorsAreClassedAndNeverAnswerTheRows) {
    const auto refused = interpret_answer(
        first_page({"m1"}), http(R"({"code":"invalid_argument","msg":"limit"})", 400), t0);
    EXPECT_EQ(refused.verdict, CallVerdict::rejected);
    EXPECT_NE(refused.detail.find("list_messages_page_size"), std::string::npos);
    const auto keys = interpret_answer(first_page({"m1"}),
                                       http(R"({"code":"unauthenticated","msg":"x"})", 401), t0);
    EXPECT_EQ(keys.verdict, CallVerdict::credentials);
    const auto busy = interpret_answer(first_page({"m1"}),
                                       http(R"({"code":"resource_exhausted","msg":"x"})", 429), t0);
    EXPECT_EQ(busy.verdict, CallVerdict::tps_exceeded);
    const auto garbled = interpret_answer(first_page({"m1"}), http("<html>"), t0);
    EXPECT_EQ(garbled.verdict, CallVerdict::retry);
    for (const auto* out : {&refused, &keys, &busy, &garbled}) {
        EXPECT_TRUE(out->observations.empty());
        EXPECT_TRUE(out->not_listed.empty());
    }
}

}  // namespace
}  // namespace deliveryd::reconcile
