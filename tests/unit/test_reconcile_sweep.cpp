// Sweeps of backlogs: when one starts, how far it may list, and how the
// GetSmsSentData_V2 source reads pages into answers, next pages and the ids
// it lacked (test_reconcile_list_messages.cpp: eTelecom's ListMessages).
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

TEST(ReconcileSweep, EveryBacklogAboveTheThresholdIsSweptLargestFirst) {
    const std::vector<store::SweepBacklog> backlog = {{"1", 400}, {"2", 900}, {"23", 1200}};
    const auto chosen = choose_sweeps(backlog, 500);
    ASSERT_EQ(chosen.size(), 2U);
    EXPECT_EQ(chosen[0].group, "23");
    EXPECT_EQ(chosen[0].due_rows, 1200U);
    EXPECT_EQ(chosen[1].group, "2");
    EXPECT_TRUE(choose_sweeps(backlog, 1200).empty());
    EXPECT_TRUE(choose_sweeps({}, 0).empty());
}

TEST(ReconcileSweep, ListingIsWorthItWhileItsPagesAreQuickerThanEachId) {
    // 1,000 ids at 10/s take 100 s: at 1 listing a second, 100 pages.
    EXPECT_EQ(break_even_pages(1000, 1.0, 10.0), 100U);
    EXPECT_EQ(break_even_pages(5, 1.0, 10.0), 1U);
    EXPECT_EQ(break_even_pages(10'000'000, 1.0, 10.0), sweep_max_pages);
    EXPECT_EQ(break_even_pages(1000, 1.0, std::nullopt), sweep_max_pages);
    EXPECT_EQ(sweep_lease(100, 0.5, 60s), 260s);
}

const core::Timestamp t0 = *core::parse_rfc3339("2024-01-17T09:00:00Z");

PlannedCall first_page(std::vector<std::string> ids, std::size_t max_pages = 10) {
    // Claimed rows created from 09:10 to 09:50: the window is padded by 10 minutes.
    return sources::esms_sweep_call("default", {"2", t0 + 10min, t0 + 50min, max_pages},
                                    std::move(ids), t0 + 2h);
}

std::string page_body(long count_total, const std::vector<std::string>& ids) {
    std::string entries;
    for (const auto& id : ids) {
        entries += fmt::format(R"({}{{"ReferenceId":"{}","SendStatus":5,"SendResult":1}})",
                               entries.empty() ? "" : ",", id);
    }
    return fmt::format(R"({{"CodeResult":"100","CountTotal":{},"SentData":[{}]}})", count_total,
                       entries);
}

CallAnswer http(std::string_view body) {
    return CallAnswer{net::HttpFailure::none, 200, body};
}

TEST(ReconcileSweep, AListingCallAsksItsWindowPageByPage) {
    PollingSettings settings;
    settings.esms.api_base = "http://127.0.0.1:1";
    settings.esms.accounts.push_back(EsmsAccount{"default", "k", "s"});
    auto call = first_page({"a-0000001"});
    EXPECT_EQ(call.source->name(), "sms_sent_data");
    auto request = call.source->request(settings, call);
    EXPECT_EQ(request.url, "http://127.0.0.1:1/MainService.svc/json/GetSmsSentData_V2");
    EXPECT_EQ(request.body,
              R"({"ApiKey":"k","SecretKey":"s","SmsType":"2","From":"2024-01-17 16:00:00",)"
              R"("To":"2024-01-17 17:00:00","Page":1,"PageSize":500})");
    call.cursor = "7";
    request = call.source->request(settings, call);
    EXPECT_NE(request.body.find(R"("Page":7)"), std::string::npos);
}

TEST(ReconcileSweep, APageAnswersTheSweptIdsItListsAndAsksForTheNext) {
    const auto body = page_body(1203, {"a-0000001", "x-0000009", "b-0000002"});
    const auto out =
        interpret_answer(first_page({"a-0000001", "b-0000002", "c-0000003"}), http(body), t0);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    EXPECT_EQ(out.outcome, "ok");
    ASSERT_EQ(out.observations.size(), 2U);
    EXPECT_EQ(out.observations[0].sms_id, "a-0000001");
    EXPECT_EQ(out.observations[1].sms_id, "b-0000002");
    // x was not swept: merged only if it has an unresolved row.
    ASSERT_EQ(out.listed_unasked.size(), 1U);
    EXPECT_EQ(out.listed_unasked[0].sms_id, "x-0000009");
    EXPECT_EQ(out.next_cursor, "2");
    EXPECT_TRUE(out.not_listed.empty());
}

TEST(ReconcileSweep, TheLastPageSendsWhatNoPageListedToGetSendStatus) {
    auto call = first_page({"b-0000002", "c-0000003"});
    call.cursor = "3";
    const auto out = interpret_answer(call, http(page_body(1203, {"b-0000002"})), t0);
    EXPECT_EQ(out.observations.size(), 1U);
    EXPECT_TRUE(out.next_cursor.empty());
    EXPECT_EQ(out.not_listed, (std::vector<std::string>{"c-0000003"}));

    // An empty window (a time-zone slip, say) lacks them all.
    const auto empty = interpret_answer(first_page({"c-0000003"}), http(page_body(0, {})), t0);
    EXPECT_TRUE(empty.next_cursor.empty());
    EXPECT_EQ(empty.not_listed, (std::vector<std::string>{"c-0000003"}));
}

TEST(ReconcileSweep, AWindowOfTooManyPagesIsGivenUpAfterTheFirst) {
    // 10 pages at most; 5,001 messages are 11 pages.
    const auto out = interpret_answer(first_page({"a-0000001", "b-0000002"}),
                                      http(page_body(5001, {"a-0000001"})), t0);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    EXPECT_EQ(out.outcome, "too_many_pages");
    EXPECT_EQ(out.observations.size(), 1U);  // what the page did list is kept
    EXPECT_TRUE(out.next_cursor.empty());
    EXPECT_EQ(out.not_listed, (std::vector<std::string>{"b-0000002"}));
}

TEST(ReconcileSweep, ErrorCodesAreClassedLikeAnyEsmsCall) {
    const auto keys =
        interpret_answer(first_page({"a-0000001"}), http(R"({"CodeResult":"101"})"), t0);
    EXPECT_EQ(keys.verdict, CallVerdict::credentials);
    EXPECT_TRUE(keys.not_listed.empty());
    const auto busy =
        interpret_answer(first_page({"a-0000001"}), http(R"({"CodeResult":"160"})"), t0);
    EXPECT_EQ(busy.verdict, CallVerdict::tps_exceeded);
}

}  // namespace
}  // namespace deliveryd::reconcile
