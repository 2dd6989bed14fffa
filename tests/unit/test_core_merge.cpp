// The merge rules, one by one (the property test checks the algebra).
#include <gtest/gtest.h>

#include "deliveryd/core/channel.hpp"
#include "deliveryd/core/merge.hpp"

namespace deliveryd::core {
namespace {

using namespace std::chrono_literals;

const Timestamp t0{std::chrono::sys_days{std::chrono::year{2025} / 3 / 1}};

State row(std::optional<int> type_id = 2) {
    State s;
    s.sms_id = "id-1";
    s.type_id = type_id;
    s.submitted_at = t0 - 1h;
    s.updated_at = t0 - 1h;
    s.poll_attempts = 3;
    s.next_poll_at = t0 + 5min;
    return s;
}

Observation report(StateLabel label, Timestamp at, Source source = Source::callback) {
    Observation o;
    o.sms_id = "id-1";
    o.state = label;
    o.observed_at = at;
    o.source = source;
    return o;
}

TEST(CoreMerge, StatesNeverMoveBackwards) {
    auto s = merge(row(), report(StateLabel::sent_to_telco, t0));
    s = merge(s, report(StateLabel::waiting, t0 + 1min));
    EXPECT_EQ(s.state, StateLabel::sent_to_telco);
    EXPECT_EQ(s.state_at, t0);
    s = merge(s, report(StateLabel::pending_approval, t0 + 2min));
    EXPECT_EQ(s.state, StateLabel::sent_to_telco);
    EXPECT_FALSE(s.is_final);
}

TEST(CoreMerge, FinalOutcomesOrderDeliveredFailedRejected) {
    EXPECT_LT(progress_rank(StateLabel::sent), progress_rank(StateLabel::rejected));
    EXPECT_LT(progress_rank(StateLabel::rejected), progress_rank(StateLabel::failed));
    EXPECT_LT(progress_rank(StateLabel::failed), progress_rank(StateLabel::delivered));
    EXPECT_EQ(progress_rank(StateLabel::expired), progress_rank(StateLabel::submitted));

    auto s = merge(row(25), report(StateLabel::failed, t0));
    s = merge(s, report(StateLabel::rejected, t0 - 1min));
    EXPECT_EQ(s.state, StateLabel::failed);
    s = merge(s, report(StateLabel::delivered, t0 + 1h, Source::zalo_status));
    EXPECT_EQ(s.state, StateLabel::delivered);
    EXPECT_EQ(s.resolved_by, Resolver::poll);
    EXPECT_EQ(s.final_at, t0 + 1h);
}

TEST(CoreMerge, EarliestReportOfTheWinningLabelDecides) {
    auto late = report(StateLabel::sent, t0 + 10min, Source::get_send_status);
    auto early = report(StateLabel::sent, t0, Source::callback);
    for (const auto& order : {std::pair{late, early}, std::pair{early, late}}) {
        const auto s = merge(merge(row(), order.first), order.second);
        EXPECT_EQ(s.state_at, t0);
        EXPECT_EQ(s.state_source, Source::callback);
        EXPECT_EQ(s.resolved_by, Resolver::callback);
        EXPECT_EQ(s.final_at, t0);
        EXPECT_TRUE(s.is_final);
    }
}

TEST(CoreMerge, TiesBreakBySourceThenContent) {
    auto a = report(StateLabel::failed, t0, Source::get_callback);
    a.error_code = -124;
    auto b = report(StateLabel::failed, t0, Source::callback);
    b.error_code = -114;
    EXPECT_EQ(merge(merge(row(25), a), b).state_source, Source::callback);
    EXPECT_EQ(merge(merge(row(25), b), a).error_code, -114);

    auto c = b;
    c.error_code = -200;
    c.error_message = "other";
    EXPECT_EQ(merge(merge(row(25), b), c), merge(merge(row(25), c), b));
    EXPECT_EQ(merge(merge(row(25), b), c).error_code, -200);  // the smaller code
}

TEST(CoreMerge, ErrorsComeWithTheWinningOutcome) {
    auto failed = report(StateLabel::failed, t0, Source::get_callback);
    failed.error_code = -124;
    failed.error_message = "Access token is invalid";
    auto s = merge(row(25), failed);
    EXPECT_EQ(s.error_code, -124);
    auto delivered = report(StateLabel::delivered, t0 + 1min, Source::zalo_status);
    delivered.zalo_status = 1;
    s = merge(s, delivered);
    EXPECT_EQ(s.error_code, std::nullopt);
    EXPECT_EQ(s.error_message, std::nullopt);
    EXPECT_EQ(s.zalo_status, 1);
}

TEST(CoreMerge, SuccessCodeIsNoError) {
    // TypeId 26/27 and eTelecom report success as error 0 / "Success".
    auto success = report(StateLabel::sent, t0, Source::callback);
    success.error_code = 0;
    success.error_message = "Success";
    const auto s = merge(row(26), success);
    EXPECT_EQ(s.error_code, std::nullopt);
    EXPECT_EQ(s.error_message, std::nullopt);
    // Error text without a code (error_info that is not JSON) is still kept.
    auto text_only = report(StateLabel::failed, t0, Source::callback);
    text_only.error_message = "Object reference not set";
    EXPECT_EQ(merge(row(25), text_only).error_message, "Object reference not set");
}

TEST(CoreMerge, CountsComeFromTheHighestRankedReportTogether) {
    // A failure counted for one receiver, a success for another: the row
    // shows one report's numbers, never success 1 with failed 2.
    auto sent = report(StateLabel::sent, t0);
    sent.send_status = 5;
    sent.send_success = 1;
    sent.send_failed = 0;
    sent.total_receiver = 1;
    sent.total_price = Price{4'700'000};
    auto failed = report(StateLabel::failed, t0 + 1min, Source::get_callback);
    failed.send_status = 5;
    failed.send_success = 0;
    failed.send_failed = 2;
    failed.total_receiver = 2;
    failed.total_price = Price{0};
    for (const auto& s : {merge(merge(row(), sent), failed), merge(merge(row(), failed), sent)}) {
        EXPECT_EQ(s.state, StateLabel::failed);
        EXPECT_EQ(s.send_success, 0);
        EXPECT_EQ(s.send_failed, 2);
        EXPECT_EQ(s.total_receiver, 2);
        EXPECT_EQ(s.total_price, Price{0});
        EXPECT_EQ(s.counts_state, StateLabel::failed);
        EXPECT_EQ(s.counts_source, Source::get_callback);
        EXPECT_EQ(s.counts_at, t0 + 1min);
    }
}

TEST(CoreMerge, RejectedRowShowsTheRejectingSendStatus) {
    auto rejected = report(StateLabel::rejected, t0);
    rejected.send_status = 4;
    auto finished = report(StateLabel::sent, t0 + 1min);
    finished.send_status = 5;
    finished.send_success = 1;
    EXPECT_EQ(merge(merge(row(), rejected), finished).send_status, 4);
    EXPECT_EQ(merge(merge(row(), finished), rejected).send_status, 4);
    EXPECT_EQ(merge(merge(row(), finished), rejected).send_success, std::nullopt);
}

TEST(CoreMerge, AReceiptWithoutCountsKeepsTheCountsItHad) {
    auto accepted = report(StateLabel::sent, t0);
    accepted.send_status = 5;
    accepted.send_success = 1;
    accepted.total_price = Price{4'700'000};
    auto receipt = report(StateLabel::delivered, t0 + 1min, Source::zalo_status);
    receipt.zalo_status = 1;
    const auto s = merge(merge(row(25), accepted), receipt);
    EXPECT_EQ(s.state, StateLabel::delivered);
    EXPECT_EQ(s.send_status, 5);
    EXPECT_EQ(s.send_success, 1);
    EXPECT_EQ(s.total_price, Price{4'700'000});
    EXPECT_EQ(s.counts_state, StateLabel::sent);
}

TEST(CoreMerge, SameRankCountsMoreOutcomesThenEarliestByProviderTime) {
    auto partial = report(StateLabel::sent, t0);
    partial.send_status = 5;
    partial.send_success = 1;
    partial.total_receiver = 3;
    auto complete = report(StateLabel::sent, t0 + 2min);
    complete.send_status = 5;
    complete.send_success = 2;
    complete.send_failed = 1;
    complete.total_receiver = 3;
    EXPECT_EQ(merge(merge(row(), complete), partial).send_success, 2);
    EXPECT_EQ(merge(merge(row(), partial), complete).send_failed, 1);

    // Equal standing: the provider's own time decides before the receive time.
    auto early = report(StateLabel::sent, t0 + 5min);  // received late...
    early.send_status = 5;
    early.send_success = 1;
    early.provider_at = t0 - 10min;  // ...about an earlier event
    early.total_price = Price{1};
    auto late = report(StateLabel::sent, t0);
    late.send_status = 5;
    late.send_success = 1;
    late.total_price = Price{2};
    EXPECT_EQ(merge(merge(row(), late), early).total_price, Price{1});
    EXPECT_EQ(merge(merge(row(), early), late).counts_at, t0 - 10min);
}

TEST(CoreMerge, NegativeCountsAreIgnored) {
    auto o = report(StateLabel::sent, t0);
    o.send_status = 5;
    o.send_success = -1;
    o.send_failed = 1;
    o.total_receiver = -5;
    const auto s = merge(row(), o);
    EXPECT_EQ(s.send_success, std::nullopt);
    EXPECT_EQ(s.send_failed, 1);
    EXPECT_EQ(s.total_receiver, std::nullopt);
}

TEST(CoreMerge, UnkeyedStoredCountsCountAsTheDecidingReports) {
    // A row stored before counts carried their report: SendStatus 5 with a
    // success. A late "waiting" must not replace them.
    auto stored = row();
    stored.state = StateLabel::sent;
    stored.state_at = t0;
    stored.state_source = Source::callback;
    stored.send_status = 5;
    stored.send_success = 1;
    auto late = report(StateLabel::waiting, t0 + 1h);
    late.send_status = 2;
    const auto s = merge(normalized(stored), late);
    EXPECT_EQ(s.send_status, 5);
    EXPECT_EQ(s.counts_state, StateLabel::sent);
}

TEST(CoreMerge, KnownZaloStatusBeatsAnUnknownOne) {
    auto unknown = report(StateLabel::submitted, t0, Source::zalo_status);
    unknown.zalo_status = 7;
    auto on_server = report(StateLabel::sent, t0, Source::zalo_status);
    on_server.zalo_status = 0;
    EXPECT_EQ(merge(merge(row(25), unknown), on_server).zalo_status, 0);
    EXPECT_EQ(merge(merge(row(25), on_server), unknown).zalo_status, 0);
    EXPECT_EQ(merge(row(25), unknown).zalo_status, 7);
    EXPECT_EQ(merge(row(25), unknown).state, StateLabel::submitted);
}

TEST(CoreMerge, FallbackSmsFromTheLatestReport) {
    auto pending = report(StateLabel::failed, t0, Source::etelecom_get_message);
    pending.provider = Provider::etelecom;
    pending.fallback_sms_status = "pending";
    pending.fallback_sms_at = t0;
    auto done = pending;
    done.observed_at = t0 + 5min;
    done.fallback_sms_status = "success";
    done.fallback_sms_at = t0 + 1min;
    const auto s = merge(merge(row(), done), pending);
    EXPECT_EQ(s.fallback_sms_status, "success");
    EXPECT_EQ(s.fallback_sms_at, t0 + 1min);
    EXPECT_EQ(s.state, StateLabel::failed);  // the row follows the ZNS
}

TEST(CoreMerge, IdentityFieldsKeepNonNullAndResolveConflictsByValue) {
    auto s = row();
    s.phone = "0901888484";
    auto o = report(StateLabel::sent, t0);
    o.phone = std::nullopt;
    o.oa_id = "1397492183140006179";
    o.partner_id = "abc";
    EXPECT_EQ(merge(s, o).phone, "0901888484");
    EXPECT_EQ(merge(s, o).oa_id, "1397492183140006179");
    o.phone = "84901888484";
    EXPECT_EQ(merge(s, o).phone, "84901888484");  // the byte-wise greater
    auto o2 = o;
    o2.partner_id = "abd";
    EXPECT_EQ(merge(merge(s, o), o2).partner_id, "abd");
    EXPECT_EQ(merge(merge(s, o2), o).partner_id, "abd");
}

TEST(CoreMerge, DeliveredAtIsTheEarliest) {
    auto a = report(StateLabel::delivered, t0, Source::zalo_status);
    a.delivered_at = t0 - 5s;
    auto b = report(StateLabel::delivered, t0 + 1min, Source::callback);
    b.delivered_at = t0 - 10s;
    EXPECT_EQ(merge(merge(row(25), a), b).delivered_at, t0 - 10s);
}

TEST(CoreMerge, SmsIsFinalAtSentZnsOnlyAtAnOutcome) {
    const auto sms = merge(row(2), report(StateLabel::sent, t0));
    EXPECT_TRUE(sms.is_final);
    EXPECT_EQ(sms.resolved_by, Resolver::callback);
    EXPECT_EQ(sms.final_at, t0);

    for (const int type : {24, 25, 26, 27}) {
        const auto zns = merge(row(type), report(StateLabel::sent, t0));
        EXPECT_FALSE(zns.is_final) << type;
        EXPECT_EQ(zns.final_at, std::nullopt);
        EXPECT_EQ(zns.resolved_by, std::nullopt);
    }
    auto with_oa = row(std::nullopt);
    with_oa.oa_id = "1";
    EXPECT_FALSE(merge(with_oa, report(StateLabel::sent, t0)).is_final);
    auto etelecom = row(std::nullopt);
    etelecom.provider = Provider::etelecom;
    EXPECT_FALSE(merge(etelecom, report(StateLabel::sent, t0)).is_final);

    const auto failed = merge(row(25), report(StateLabel::failed, t0, Source::get_callback));
    EXPECT_TRUE(failed.is_final);
    EXPECT_EQ(failed.resolved_by, Resolver::poll);
}

TEST(CoreMerge, ChannelHelpers) {
    EXPECT_TRUE(is_zns(row(24)));
    EXPECT_FALSE(is_zns(row(23)));
    EXPECT_FALSE(is_zns(row(std::nullopt)));
    EXPECT_EQ(channel_of(row(8)), Channel::sms);
    auto o = report(StateLabel::sent, t0);
    o.type_id = 27;
    EXPECT_TRUE(is_zns(o));
    EXPECT_TRUE(is_final_label(StateLabel::sent, Channel::sms));
    EXPECT_FALSE(is_final_label(StateLabel::sent, Channel::zns));
    EXPECT_TRUE(is_final_label(StateLabel::expired, Channel::zns));
    EXPECT_FALSE(is_final_label(StateLabel::sent_to_telco, Channel::sms));
    EXPECT_EQ(resolver_of(Source::callback), Resolver::callback);
    EXPECT_EQ(resolver_of(Source::etelecom_get_message), Resolver::poll);
}

TEST(CoreMerge, LearningTheChannelLaterRecomputesFinality) {
    // An SMS-looking row at `sent` is final; a report naming TypeId 25 turns
    // it into a ZNS, which is not final at `sent`.
    auto s = merge(row(std::nullopt), report(StateLabel::sent, t0));
    EXPECT_TRUE(s.is_final);
    auto typed = report(StateLabel::waiting, t0 + 1min, Source::get_callback);
    typed.type_id = 25;
    s = merge(s, typed);
    EXPECT_FALSE(s.is_final);
    EXPECT_EQ(s.state, StateLabel::sent);
}

TEST(CoreMerge, BookkeepingFieldsAreUntouched) {
    const auto before = row();
    const auto after = merge(before, report(StateLabel::sent, t0));
    EXPECT_EQ(after.submitted_at, before.submitted_at);
    EXPECT_EQ(after.updated_at, before.updated_at);
    EXPECT_EQ(after.poll_attempts, 3);
    EXPECT_EQ(after.next_poll_at, before.next_poll_at);
    EXPECT_EQ(after.account, "default");
    EXPECT_EQ(after.sms_id, "id-1");
}

TEST(CoreMerge, ReportsAboutAnotherMessageAreIgnored) {
    auto o = report(StateLabel::sent, t0);
    o.sms_id = "id-2";
    EXPECT_EQ(merge(row(), o), normalized(row()));
    State blank;
    EXPECT_EQ(merge(blank, o).sms_id, "id-2");
}

TEST(CoreMerge, IdempotentOnOneReport) {
    auto o = report(StateLabel::failed, t0, Source::get_callback);
    o.error_code = 5;
    o.total_price = Price{7};
    const auto once = merge(row(25), o);
    EXPECT_EQ(merge(once, o), once);
}

}  // namespace
}  // namespace deliveryd::core
