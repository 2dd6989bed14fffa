// Planner: which call answers each claimed row, GetCallback grouping and
// chunking, unplannable rows, and the ids a GetCallback answer left out.
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/core/channel.hpp"
#include "deliveryd/reconcile/configured.hpp"
#include "deliveryd/reconcile/planner.hpp"
#include "deliveryd/reconcile/status_source.hpp"

namespace deliveryd::reconcile {
namespace {

using core::Provider;
using core::State;
using core::StateLabel;

// eSMS accounts "default" and "shop2", and eTelecom.
PollingSettings settings() {
    PollingSettings config;
    config.esms.accounts.push_back(EsmsAccount{"default", "k", "s", 20, 30, 10});
    config.esms.accounts.push_back(EsmsAccount{"shop2", "k2", "s2", 5, 6, 7});
    config.etelecom = EtelecomSettings{};
    return config;
}

const PlanTargets targets = plan_targets(settings());

const StatusSource* const get_callback = source_named("get_callback");
const StatusSource* const query_zns = source_named("query_zns_status");
const StatusSource* const sent_data = source_named("sms_sent_data");
const StatusSource* const zalo_status = source_named("zalo_status");
const StatusSource* const send_status = source_named("send_status");
const StatusSource* const etelecom_get_message = source_named("etelecom_get_message");

State sms(std::string id, std::string account = "default") {
    State s;
    s.sms_id = std::move(id);
    s.account = std::move(account);
    s.type_id = 2;
    return s;
}

State zns(std::string id, std::string oa_id, std::string account = "default") {
    State s = sms(std::move(id), std::move(account));
    s.type_id = 25;
    s.oa_id = std::move(oa_id);
    return s;
}

State zns_sent(std::string id, std::string oa_id, std::string partner_id) {
    State s = zns(std::move(id), std::move(oa_id));
    s.state = StateLabel::sent;
    s.partner_id = std::move(partner_id);
    return s;
}

State etelecom(std::string id, std::string oa_id) {
    State s;
    s.sms_id = std::move(id);
    s.provider = Provider::etelecom;
    s.oa_id = std::move(oa_id);
    return s;
}

PlannedCall call(const StatusSource* endpoint, std::string account, std::string oa_id,
                 std::string message_id, std::vector<std::string> ids) {
    return PlannedCall{
        endpoint, std::move(account), std::move(oa_id), std::move(message_id), std::move(ids), {}};
}

TEST(ReconcilePlanner, SmsAndViberRowsGetOneGetSendStatusEach) {
    std::vector<State> rows = {sms("a"), sms("b", "shop2")};
    rows[1].type_id = 23;  // Viber
    const auto plan = plan_calls(rows, targets);
    EXPECT_TRUE(plan.unplannable.empty());
    EXPECT_EQ(plan.calls, (std::vector<PlannedCall>{call(send_status, "default", "", "", {"a"}),
                                                    call(send_status, "shop2", "", "", {"b"})}));
    // The listing source takes no row by itself (the scheduler sweeps).
    EXPECT_TRUE(std::holds_alternative<NotMine>(sent_data->place(rows[0], {})));
    // A row that says nothing about its type is asked as an SMS.
    State bare;
    bare.sms_id = "c";
    const std::vector<State> unknown = {bare};
    EXPECT_EQ(plan_calls(unknown, targets).calls.at(0).source, send_status);
}

TEST(ReconcilePlanner, ZnsWithoutPartnerGroupsIntoGetCallbackByAccountAndOa) {
    const std::vector<State> rows = {zns("1", "oaA"), zns("2", "oaB"), zns("3", "oaA", "shop2"),
                                     zns("4", "oaA"), zns("5", "oaB")};
    const auto plan = plan_calls(rows, targets);
    EXPECT_TRUE(plan.unplannable.empty());
    EXPECT_EQ(plan.calls,
              (std::vector<PlannedCall>{call(get_callback, "default", "oaA", "", {"1", "4"}),
                                        call(get_callback, "default", "oaB", "", {"2", "5"}),
                                        call(get_callback, "shop2", "oaA", "", {"3"})}));
}

TEST(ReconcilePlanner, GetCallbackChunksOfAtMost200InRowOrder) {
    std::vector<State> rows;
    for (int i = 0; i < 450; ++i) {
        rows.push_back(zns("id-" + std::to_string(i), "oa"));
    }
    const auto plan = plan_calls(rows, targets);
    ASSERT_EQ(plan.calls.size(), 3u);
    EXPECT_EQ(plan.calls[0].sms_ids.size(), 200u);
    EXPECT_EQ(plan.calls[1].sms_ids.size(), 200u);
    EXPECT_EQ(plan.calls[2].sms_ids.size(), 50u);
    EXPECT_EQ(plan.calls[0].sms_ids.front(), "id-0");
    EXPECT_EQ(plan.calls[1].sms_ids.front(), "id-200");
    EXPECT_EQ(plan.calls[2].sms_ids.back(), "id-449");
}

TEST(ReconcilePlanner, SentZnsWithPartnerIdAsksZaloStatus) {
    const std::vector<State> rows = {zns_sent("1", "oaA", "zalo-msg-1")};
    const auto plan = plan_calls(rows, targets);
    EXPECT_EQ(plan.calls,
              (std::vector<PlannedCall>{call(zalo_status, "default", "oaA", "zalo-msg-1", {"1"})}));
    EXPECT_EQ(key_of(plan.calls[0]), (LimiterKey{"default", zalo_status}));
}

TEST(ReconcilePlanner, ZnsNotYetSentStaysOnGetCallback) {
    auto telco = zns_sent("1", "oa", "p1");
    telco.state = StateLabel::sent_to_telco;
    auto waiting = zns("2", "oa");
    waiting.state = StateLabel::waiting;
    waiting.poll_attempts = 9;
    auto follower = zns_sent("3", "oa", "");
    follower.type_id = 26;
    const std::vector<State> rows = {telco, waiting, follower};
    const auto plan = plan_calls(rows, targets);
    EXPECT_EQ(plan.calls,
              (std::vector<PlannedCall>{call(get_callback, "default", "oa", "", {"1", "2", "3"})}));
}

TEST(ReconcilePlanner, AcceptedZnsWithoutZaloMessageIdAsksQueryZnsStatus) {
    auto no_partner = zns_sent("2", "oa", "");
    auto null_partner = zns("3", "oa");
    null_partner.state = StateLabel::sent;
    null_partner.type_id = 24;
    const std::vector<State> rows = {no_partner, null_partner};
    const auto plan = plan_calls(rows, targets);
    EXPECT_EQ(plan.calls, (std::vector<PlannedCall>{call(query_zns, "default", "25", "", {"2"}),
                                                    call(query_zns, "default", "24", "", {"3"})}));
}

TEST(ReconcilePlanner, ZnsGetCallbackDoesNotReturnGoesToQueryZnsStatusAfterTheConfiguredMisses) {
    auto once = zns("1", "oa");
    once.poll_attempts = 1;
    auto twice = zns("2", "oa");
    twice.poll_attempts = 2;
    auto follower = zns("3", "oa");
    follower.type_id = 27;
    follower.poll_attempts = 5;
    const std::vector<State> rows = {once, twice, follower};
    EXPECT_EQ(plan_calls(rows, targets).calls,
              (std::vector<PlannedCall>{call(query_zns, "default", "25", "", {"2"}),
                                        call(get_callback, "default", "oa", "", {"1", "3"})}));

    auto config = settings();
    config.schedule.query_zns_after = 3;
    EXPECT_EQ(plan_calls(rows, plan_targets(config)).calls,
              (std::vector<PlannedCall>{call(get_callback, "default", "oa", "", {"1", "2", "3"})}));
}

TEST(ReconcilePlanner, ZnsGoesToQueryZnsStatusWhenGetCallbackIsOffAndBackWhenItIsOff) {
    const std::vector<State> rows = {zns("1", "oa"), zns_sent("2", "oa", "p2")};
    auto config = settings();
    config.esms.accounts[0].get_callback_tps = 0;
    EXPECT_EQ(plan_calls(rows, plan_targets(config)).calls,
              (std::vector<PlannedCall>{call(query_zns, "default", "25", "", {"1"}),
                                        call(zalo_status, "default", "oa", "p2", {"2"})}));

    config = settings();
    config.esms.accounts[0].query_zns_tps = 0;
    auto unseen = zns("3", "oa");
    unseen.poll_attempts = 7;
    const std::vector<State> more = {unseen};
    EXPECT_EQ(plan_calls(more, plan_targets(config)).calls,
              (std::vector<PlannedCall>{call(get_callback, "default", "oa", "", {"3"})}));
}

TEST(ReconcilePlanner, ZnsWithoutOaIdIsAskedByQueryZnsStatusOrUnplannable) {
    auto no_oa = zns("1", "");
    auto null_oa = sms("2");
    null_oa.type_id = 24;
    auto follower = sms("3");
    follower.type_id = 26;
    const std::vector<State> rows = {no_oa, null_oa, follower};
    auto plan = plan_calls(rows, targets);
    EXPECT_EQ(plan.calls, (std::vector<PlannedCall>{call(query_zns, "default", "25", "", {"1"}),
                                                    call(query_zns, "default", "24", "", {"2"})}));
    EXPECT_EQ(plan.unplannable,
              (std::vector<Unplannable>{{"3", UnplannableReason::missing_oa_id, ""}}));

    auto config = settings();
    config.esms.accounts[0].query_zns_tps = 0;
    plan = plan_calls(rows, plan_targets(config));
    EXPECT_TRUE(plan.calls.empty());
    EXPECT_EQ(plan.unplannable,
              (std::vector<Unplannable>{{"1", UnplannableReason::missing_oa_id, ""},
                                        {"2", UnplannableReason::missing_oa_id, ""},
                                        {"3", UnplannableReason::missing_oa_id, ""}}));
}

TEST(ReconcilePlanner, EtelecomAsksGetMessageByPartnerIdElseSmsId) {
    auto known = etelecom("key-1", "oa9");
    known.partner_id = "zalo-77";
    known.account = "whatever";  // eTelecom has one configuration: not checked
    const std::vector<State> rows = {etelecom("key-0", "oa9"), known};
    const auto plan = plan_calls(rows, targets);
    EXPECT_TRUE(plan.unplannable.empty());
    EXPECT_EQ(plan.calls,
              (std::vector<PlannedCall>{
                  call(etelecom_get_message, "etelecom", "oa9", "key-0", {"key-0"}),
                  call(etelecom_get_message, "etelecom", "oa9", "zalo-77", {"key-1"})}));
}

TEST(ReconcilePlanner, EtelecomNeedsItsSectionAndAnOaId) {
    const std::vector<State> rows = {etelecom("1", "oa"), etelecom("2", "")};
    auto config = settings();
    config.etelecom.reset();
    const auto without = plan_calls(rows, plan_targets(config));
    EXPECT_TRUE(without.calls.empty());
    EXPECT_EQ(without.unplannable,
              (std::vector<Unplannable>{{"1", UnplannableReason::etelecom_not_configured, ""},
                                        {"2", UnplannableReason::etelecom_not_configured, ""}}));
    const auto with = plan_calls(rows, targets);
    EXPECT_EQ(with.calls.size(), 1u);
    EXPECT_EQ(with.unplannable,
              (std::vector<Unplannable>{{"2", UnplannableReason::missing_oa_id, ""}}));
}

TEST(ReconcilePlanner, UnknownAccountInvalidIdFinalAndDuplicateAreReported) {
    auto done = sms("final-1");
    done.state = StateLabel::delivered;
    done.is_final = true;
    const std::vector<State> rows = {
        sms("a", "nobody"), zns("b", "oa", "nobody"), sms("has space"), sms(""), done, sms("dup"),
        sms("dup")};
    const auto plan = plan_calls(rows, targets);
    EXPECT_EQ(plan.calls,
              (std::vector<PlannedCall>{call(send_status, "default", "", "", {"dup"})}));
    ASSERT_EQ(plan.unplannable.size(), 6u);
    EXPECT_EQ(plan.unplannable[0],
              (Unplannable{"a", UnplannableReason::account_not_configured, "nobody"}));
    EXPECT_EQ(plan.unplannable[1],
              (Unplannable{"b", UnplannableReason::account_not_configured, "nobody"}));
    EXPECT_EQ(plan.unplannable[2].reason, UnplannableReason::invalid_sms_id);
    EXPECT_FALSE(plan.unplannable[2].detail.empty());
    EXPECT_EQ(plan.unplannable[3].reason, UnplannableReason::invalid_sms_id);
    EXPECT_EQ(plan.unplannable[4],
              (Unplannable{"final-1", UnplannableReason::already_final, "delivered"}));
    EXPECT_EQ(plan.unplannable[5], (Unplannable{"dup", UnplannableReason::duplicate, ""}));
    EXPECT_EQ(to_string(UnplannableReason::account_not_configured), "account_not_configured");
}

TEST(ReconcilePlanner, RandomBatchesCoverEveryRowOnceAndKeepTheRules) {
    std::mt19937_64 rng(99);
    const std::vector<std::string> accounts = {"default", "shop2", "nobody"};
    const std::vector<std::string> oas = {"oa1", "oa2", "oa3", ""};
    for (int batch = 0; batch < 20; ++batch) {
        std::vector<State> rows;
        const int size = std::uniform_int_distribution<int>(0, 1500)(rng);
        for (int i = 0; i < size; ++i) {
            const auto id = "b" + std::to_string(batch) + "-" + std::to_string(i % 1400);
            const auto& account = accounts[rng() % accounts.size()];
            const auto& oa = oas[rng() % oas.size()];
            switch (rng() % 5) {
                case 0:
                    rows.push_back(sms(id, account));
                    break;
                case 1:
                case 2:
                    rows.push_back(zns(id, oa, account));
                    break;
                case 3:
                    rows.push_back(zns_sent(id, oa, rng() % 2 ? "p-" + id : ""));
                    break;
                default:
                    rows.push_back(etelecom(id, oa));
                    break;
            }
        }
        const auto plan = plan_calls(rows, targets);

        std::map<std::string, int> seen;
        std::map<std::string, const State*> by_id;
        for (const auto& row : rows) {
            by_id.emplace(row.sms_id, &row);  // the first row of an id is the one planned
        }
        for (const auto& c : plan.calls) {
            ASSERT_FALSE(c.sms_ids.empty());
            if (c.source == get_callback) {
                ASSERT_LE(c.sms_ids.size(), 200u);
            } else {
                ASSERT_EQ(c.sms_ids.size(), 1u);
            }
            for (const auto& id : c.sms_ids) {
                ++seen[id];
                const State& row = *by_id.at(id);
                if (c.source == get_callback) {
                    ASSERT_EQ(row.account, c.account);
                    ASSERT_EQ(row.oa_id.value_or(""), c.group);
                    ASSERT_TRUE(core::is_zns(row));
                } else if (c.source == zalo_status) {
                    ASSERT_EQ(row.partner_id.value_or(""), c.message_id);
                    ASSERT_EQ(row.state, StateLabel::sent);
                } else if (c.source == query_zns) {
                    ASSERT_EQ(std::to_string(row.type_id.value_or(0)), c.group);
                    ASSERT_TRUE(row.oa_id.value_or("").empty() ||
                                row.partner_id.value_or("").empty());
                } else if (c.source == send_status) {
                    ASSERT_FALSE(core::is_zns(row));
                } else {
                    ASSERT_EQ(c.source, etelecom_get_message);
                    ASSERT_EQ(row.provider, Provider::etelecom);
                    ASSERT_EQ(c.account, etelecom_account);
                }
                if (c.source != etelecom_get_message) {
                    ASSERT_NE(row.account, "nobody");
                }
                if (c.source != send_status) {
                    ASSERT_FALSE(c.group.empty());
                }
            }
        }
        for (const auto& u : plan.unplannable) {
            if (u.reason != UnplannableReason::duplicate) {
                ++seen[u.sms_id];
            }
        }
        // Every distinct id exactly once; every row (duplicates included)
        // accounted for.
        ASSERT_EQ(seen.size(), by_id.size());
        for (const auto& [id, count] : seen) {
            ASSERT_EQ(count, 1) << id;
        }
        std::size_t rows_in_plan = plan.unplannable.size();
        for (const auto& c : plan.calls) {
            rows_in_plan += c.sms_ids.size();
        }
        ASSERT_EQ(rows_in_plan, rows.size());
    }
}

TEST(ReconcilePlanner, MissingIdsAreThoseGetCallbackLeftOut) {
    const std::vector<std::string> asked = {"a", "b", "c", "d", "a"};
    const std::vector<std::string> returned = {"b", "x", "d", "d"};
    EXPECT_EQ(missing_ids(asked, returned), (std::vector<std::string>{"a", "c"}));

    std::vector<core::Observation> observations(2);
    observations[0].sms_id = "c";
    observations[1].sms_id = "a";
    EXPECT_EQ(missing_ids(asked, observations), (std::vector<std::string>{"b", "d"}));
    EXPECT_TRUE(missing_ids(asked, std::vector<std::string>{"a", "b", "c", "d"}).empty());
    EXPECT_EQ(missing_ids(asked, std::vector<std::string>{}),
              (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST(ReconcilePlanner, SourcesAreFoundByTheirStableNames) {
    for (const auto* source : status_sources()) {
        EXPECT_EQ(source_named(source->name()), source);
    }
    EXPECT_EQ(status_sources().size(), 7u);
    EXPECT_NE(sent_data, nullptr);
    EXPECT_NE(get_callback, nullptr);
    EXPECT_NE(query_zns, nullptr);
    EXPECT_NE(zalo_status, nullptr);
    EXPECT_NE(send_status, nullptr);
    EXPECT_NE(etelecom_get_message, nullptr);
    EXPECT_EQ(source_named("GetCallback"), nullptr);
}

TEST(ReconcilePlanner, EachSourceIsClaimedInALaneOfItsProvidersScopes) {
    const auto config = settings();
    for (const auto& scope : configured_scopes(config)) {
        const auto lanes = store::lanes_of(scope);
        for (const auto& key : keys_of(targets, scope)) {
            EXPECT_NE(std::find(lanes.begin(), lanes.end(), key.source->lane()), lanes.end())
                << key.source->name();
        }
    }
}

TEST(ReconcilePlanner, TargetsAndRatesComeFromTheConfig) {
    auto config = settings();
    config.etelecom.reset();
    const auto t = plan_targets(config);
    ASSERT_EQ(t.sources.size(), status_sources().size());
    for (const auto& target : t.sources) {
        if (target.source->provider() == Provider::esms) {
            EXPECT_EQ(target.accounts, (std::vector<std::string>{"default", "shop2"}));
        } else {
            EXPECT_TRUE(target.accounts.empty());
        }
    }
    EXPECT_EQ(get_callback->rate(config, "shop2"), 5.0);
    EXPECT_EQ(zalo_status->rate(config, "shop2"), 6.0);
    EXPECT_EQ(send_status->rate(config, "shop2"), 7.0);
    EXPECT_EQ(get_callback->rate(config, "default"), 20.0);
    EXPECT_EQ(send_status->rate(config, "nobody"), std::nullopt);
    EXPECT_EQ(etelecom_get_message->rate(config, "etelecom"), std::nullopt);

    config.etelecom = EtelecomSettings{};
    config.etelecom->get_message_tps = 12;
    EXPECT_EQ(plan_targets(config).sources.back().accounts, (std::vector<std::string>{"etelecom"}));
    EXPECT_EQ(etelecom_get_message->rate(config, "etelecom"), 12.0);
    EXPECT_EQ(etelecom_get_message->rate(config, "default"), std::nullopt);
    EXPECT_EQ(keys_of(plan_targets(config), {store::PollScope::Kind::esms_account, "shop2"}),
              (std::vector<LimiterKey>{{"shop2", zalo_status},
                                       {"shop2", query_zns},
                                       {"shop2", get_callback},
                                       {"shop2", send_status},
                                       {"shop2", sent_data}}));
    EXPECT_EQ(keys_of(plan_targets(config), {store::PollScope::Kind::etelecom, {}},
                      store::ClaimLane::lookup),
              (std::vector<LimiterKey>{{"etelecom", etelecom_get_message},
                                       {"etelecom", source_named("etelecom_list_messages")}}));
}

}  // namespace
}  // namespace deliveryd::reconcile
