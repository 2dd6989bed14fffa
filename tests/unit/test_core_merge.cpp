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

TEST(CoreMerge, CountersAndPriceByMaximum) {
    auto a = report(StateLabel::sent, t0);
    a.send_success = 1;
    a.total_sent = 5;
    a.total_price = Price{4'700'000};
    auto b = report(StateLabel::waiting, t0 + 1min);
    b.send_success = 0;
    b.send_failed = 2;
    b.total_sent = 2;
    b.total_receiver = 7;
    b.total_price = Price{100};
    const auto s = merge(merge(row(), a), b);
    EXPECT_EQ(s.send_success, 1);
    EXPECT_EQ(s.send_failed, 2);
    EXPECT_EQ(s.total_sent, 5);
    EXPECT_EQ(s.total_receiver, 7);
    EXPECT_EQ(s.total_price, Price{4'700'000});
}

TEST(CoreMerge, SendStatusByPipelineProgress) {
    auto s = row();
    for (const int status : {3, 1, 7, 2}) {
        auto o = report(StateLabel::waiting, t0);
        o.send_status = status;
        s = merge(s, o);
    }
    EXPECT_EQ(s.send_status, 7);
    auto rejected = report(StateLabel::rejected, t0);
    rejected.send_status = 4;
    auto finished = report(StateLabel::sent, t0);
    finished.send_status = 5;
    EXPECT_EQ(merge(merge(s, rejected), finished).send_status, 5);
    EXPECT_EQ(merge(merge(s, finished), rejected).send_status, 5);
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
