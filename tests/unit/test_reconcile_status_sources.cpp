// A new status source is one StatusSource and nothing else: two made-up
// sources, one answering a list of ids and one listing a time window page by
// page, are picked up by the planner, the limiter keys and rates, the claim
// sizing, the filling of many-id calls and the reading of answers, with no
// other code knowing them.
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "deliveryd/core/time_text.hpp"
#include "deliveryd/reconcile/call_outcome.hpp"
#include "deliveryd/reconcile/claim_sizing.hpp"
#include "deliveryd/reconcile/configured.hpp"
#include "deliveryd/reconcile/filling_calls.hpp"
#include "deliveryd/reconcile/planner.hpp"
#include "deliveryd/reconcile/rate_limiter.hpp"
#include "deliveryd/reconcile/status_source.hpp"

namespace deliveryd::reconcile {
namespace {

using namespace std::chrono_literals;

constexpr int listed_type = 90;  // rows the listing answers
constexpr int batch_type = 91;   // rows the id list answers

// Answers up to 50 ids of one OA per call; rate 3/s for any eSMS account.
class IdListSource final : public StatusSource {
  public:
    std::string_view name() const noexcept override { return "fake_id_list"; }
    core::Provider provider() const noexcept override { return core::Provider::esms; }
    store::ClaimLane lane() const noexcept override { return store::ClaimLane::lookup; }
    std::size_t ids_per_call() const noexcept override { return 50; }
    std::optional<double> rate(const PollingSettings& settings,
                               std::string_view account) const override {
        const auto& accounts = settings.esms.accounts;
        const bool known = std::any_of(accounts.begin(), accounts.end(),
                                       [&](const EsmsAccount& a) { return a.name == account; });
        return known ? std::optional(3.0) : std::nullopt;
    }
    Placement place(const core::State& row, const ScheduleSettings&) const override {
        if (row.type_id != batch_type) {
            return NotMine{};
        }
        if (!row.oa_id) {
            return Refusal{UnplannableReason::missing_oa_id, {}};
        }
        return Slot{*row.oa_id, {}};
    }
    providers::HttpRequest request(const PollingSettings&, const PlannedCall& call) const override {
        providers::HttpRequest out;
        out.method = providers::HttpMethod::post;
        out.url = "http://127.0.0.1:1/ids";
        for (const auto& id : call.sms_ids) {
            out.body += id + "\n";
        }
        return out;
    }
    // The body lists the delivered ids, one per line.
    CallOutcome interpret(const PlannedCall& call, const CallAnswer& answer,
                          core::Timestamp at) const override {
        CallOutcome out;
        out.verdict = answer.http_status == 200 ? CallVerdict::answered : CallVerdict::retry;
        out.outcome = answer.http_status == 200 ? "ok" : "http_5xx";
        for (const auto& id : call.sms_ids) {
            if (answer.body.find(id) != std::string_view::npos) {
                core::Observation o;
                o.sms_id = id;
                o.observed_at = at;
                o.state = core::StateLabel::delivered;
                out.observations.push_back(std::move(o));
            }
        }
        out.missing = missing_ids(call.sms_ids, out.observations);
        return out;
    }
};

// Lists the messages created in one hour, 500 per page, following a cursor.
// Rows are grouped by the hour they were submitted in: the request asks for
// that hour. Rate 0.5/s.
class WindowListingSource final : public StatusSource {
  public:
    std::string_view name() const noexcept override { return "fake_listing"; }
    core::Provider provider() const noexcept override { return core::Provider::esms; }
    store::ClaimLane lane() const noexcept override { return store::ClaimLane::lookup; }
    std::size_t ids_per_call() const noexcept override { return 500; }
    std::optional<double> rate(const PollingSettings& settings,
                               std::string_view account) const override {
        return settings.esms.accounts.empty() || account.empty() ? std::nullopt
                                                                 : std::optional(0.5);
    }
    Placement place(const core::State& row, const ScheduleSettings&) const override {
        if (row.type_id != listed_type) {
            return NotMine{};
        }
        const auto hour = std::chrono::floor<std::chrono::hours>(row.submitted_at);
        return Slot{core::format_rfc3339(hour), {}};
    }
    providers::HttpRequest request(const PollingSettings&, const PlannedCall& call) const override {
        providers::HttpRequest out;
        out.url = fmt::format("http://127.0.0.1:1/list?from={}&cursor={}", call.group, call.cursor);
        return out;
    }
    // Body: "<next cursor or empty>|<id>,<id>,..."
    CallOutcome interpret(const PlannedCall&, const CallAnswer& answer,
                          core::Timestamp at) const override {
        CallOutcome out;
        out.verdict = CallVerdict::answered;
        out.outcome = "ok";
        const auto bar = answer.body.find('|');
        out.next_cursor = std::string(answer.body.substr(0, bar));
        auto rest = answer.body.substr(bar + 1);
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            core::Observation o;
            o.sms_id = std::string(rest.substr(0, comma));
            o.observed_at = at;
            o.state = core::StateLabel::delivered;
            out.observations.push_back(std::move(o));
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        }
        return out;
    }
};

const IdListSource id_list;
const WindowListingSource listing;

// The made-up sources first, then deliveryd's own.
std::vector<const StatusSource*> all_sources() {
    std::vector<const StatusSource*> sources = {&id_list, &listing};
    for (const auto* source : status_sources()) {
        sources.push_back(source);
    }
    return sources;
}

PollingSettings settings() {
    PollingSettings config;
    config.esms.accounts.push_back(EsmsAccount{"default", "k", "s", 20, 30, 10});
    return config;
}

core::State row(std::string id, int type_id, core::Timestamp submitted_at,
                std::optional<std::string> oa_id = "oa") {
    core::State s;
    s.sms_id = std::move(id);
    s.account = "default";
    s.type_id = type_id;
    s.oa_id = std::move(oa_id);
    s.submitted_at = submitted_at;
    return s;
}

const core::Timestamp ten_o_clock =
    std::chrono::sys_days{std::chrono::year{2026} / 12 / 5} + std::chrono::hours(10);

TEST(ReconcileStatusSources, NewSourcesArePlannedWithTheirOwnGroupingAndSize) {
    const auto sources = all_sources();
    const auto targets = plan_targets(settings(), sources);
    std::vector<core::State> rows;
    for (int i = 0; i < 120; ++i) {
        rows.push_back(row(fmt::format("b{}", i), batch_type, ten_o_clock));
    }
    for (int i = 0; i < 700; ++i) {
        rows.push_back(
            row(fmt::format("l{}", i), listed_type, ten_o_clock + std::chrono::seconds(i)));
    }
    rows.push_back(row("l-next-hour", listed_type, ten_o_clock + 1h));
    rows.push_back(row("b-no-oa", batch_type, ten_o_clock, std::nullopt));
    rows.push_back(row("sms", 2, ten_o_clock, std::nullopt));  // still GetSendStatus

    const auto plan = plan_calls(rows, targets);
    ASSERT_EQ(plan.unplannable.size(), 1u);
    EXPECT_EQ(plan.unplannable[0].sms_id, "b-no-oa");
    EXPECT_EQ(plan.unplannable[0].reason, UnplannableReason::missing_oa_id);

    std::vector<std::size_t> id_list_calls;
    std::vector<std::pair<std::string, std::size_t>> listing_calls;
    for (const auto& call : plan.calls) {
        EXPECT_EQ(call.account, "default");
        if (call.source == &id_list) {
            EXPECT_EQ(call.group, "oa");
            id_list_calls.push_back(call.sms_ids.size());
        } else if (call.source == &listing) {
            listing_calls.emplace_back(call.group, call.sms_ids.size());
        } else {
            EXPECT_EQ(call.source, source_named("send_status"));
            EXPECT_EQ(call.sms_ids, std::vector<std::string>{"sms"});
        }
    }
    EXPECT_EQ(id_list_calls, (std::vector<std::size_t>{50, 50, 20}));
    EXPECT_EQ(listing_calls, (std::vector<std::pair<std::string, std::size_t>>{
                                 {"2026-12-05T10:00:00.000000Z", 500},
                                 {"2026-12-05T10:00:00.000000Z", 200},
                                 {"2026-12-05T11:00:00.000000Z", 1}}));
}

TEST(ReconcileStatusSources, NewSourcesGetLimiterKeysRatesAndClaimSizes) {
    const auto sources = all_sources();
    const auto config = settings();
    const auto targets = plan_targets(config, sources);
    const store::PollScope scope{store::PollScope::Kind::esms_account, "default"};
    const auto keys = keys_of(targets, scope, store::ClaimLane::lookup);
    // The two made up, QueryZnsStatus, GetCallback, GetSendStatus, GetSmsSentData_V2.
    ASSERT_EQ(keys.size(), 6u);
    EXPECT_EQ(keys[0], (LimiterKey{"default", &id_list}));
    EXPECT_EQ(keys[1], (LimiterKey{"default", &listing}));

    // Each key's limiter runs at its source's rate: over ten simulated
    // seconds the listing (0.5/s) lets at most 5 calls go, the id list 30.
    for (const auto& key : keys) {
        auto now = std::chrono::steady_clock::time_point{} + 1h;
        RateLimiter limiter(RateLimit{.rate = *key.source->rate(config, key.account)},
                            [&now] { return now; });
        int sent = 0;
        for (int step = 0; step < 10'000; ++step, now += 1ms) {
            sent += limiter.try_acquire() ? 1 : 0;
        }
        EXPECT_LE(sent, static_cast<int>(*key.source->rate(config, key.account) * 10) + 1)
            << key.source->name();
        EXPECT_GE(sent, 1) << key.source->name();
    }

    // Rows are sized by ids per call: the listing's 500 ids make one call's
    // worth of rows far larger than the id list's 50.
    std::vector<KeyLoad> only_listing = {KeyLoad{keys[1], 0.5, 0, 0}};
    std::vector<KeyLoad> only_id_list = {KeyLoad{keys[0], 0.5, 0, 0}};
    EXPECT_EQ(claim_size(only_listing, 0, ClaimSizing{.tick = 1s}).rows, 500u);
    EXPECT_EQ(claim_size(only_id_list, 0, ClaimSizing{.tick = 1s}).rows, 50u);
}

TEST(ReconcileStatusSources, ManyIdCallsFillPerKeyAndGroup) {
    FillingCalls filling;
    const LimiterKey key{"default", &id_list};
    filling.add(PlannedCall{&id_list, "default", "oa", {}, {"a", "b"}, {}}, 1);
    filling.add(PlannedCall{&id_list, "default", "oa2", {}, {"c"}, {}}, 1);
    const std::vector<LimiterKey> keys = {key};
    EXPECT_TRUE(filling.take_ready(keys, 1, false).empty());
    const auto ready = filling.take_ready(keys, 1, true);
    ASSERT_EQ(ready.size(), 2u);
    EXPECT_EQ(ready[0], (PlannedCall{&id_list, "default", "oa", {}, {"a", "b"}, {}}));
    EXPECT_EQ(ready[1], (PlannedCall{&id_list, "default", "oa2", {}, {"c"}, {}}));
}

TEST(ReconcileStatusSources, AnswersAreReadByTheirSourceAndPagesCarryACursor) {
    PlannedCall ids{&id_list, "default", "oa", {}, {"a", "b", "c"}, {}};
    auto out = interpret_answer(ids, {net::HttpFailure::none, 200, "a\nc\n"}, ten_o_clock);
    EXPECT_EQ(out.verdict, CallVerdict::answered);
    EXPECT_EQ(out.observations.size(), 2u);
    EXPECT_EQ(out.missing, std::vector<std::string>{"b"});

    // A transport failure is decided before any source reads a body.
    out = interpret_answer(ids, {net::HttpFailure::timeout, 0, ""}, ten_o_clock);
    EXPECT_EQ(out.verdict, CallVerdict::retry);
    EXPECT_EQ(out.outcome, "timeout");

    PlannedCall page{&listing, "default", "2026-12-05T10:00:00.000000Z", {}, {"x", "y"}, {}};
    EXPECT_EQ(listing.request(settings(), page).url,
              "http://127.0.0.1:1/list?from=2026-12-05T10:00:00.000000Z&cursor=");
    out = interpret_answer(page, {net::HttpFailure::none, 200, "p2|x"}, ten_o_clock);
    EXPECT_EQ(out.next_cursor, "p2");
    ASSERT_EQ(out.observations.size(), 1u);
    EXPECT_EQ(out.observations[0].sms_id, "x");
    page.cursor = out.next_cursor;
    page.sms_ids = {"y"};
    EXPECT_EQ(listing.request(settings(), page).url,
              "http://127.0.0.1:1/list?from=2026-12-05T10:00:00.000000Z&cursor=p2");
}

}  // namespace
}  // namespace deliveryd::reconcile
