// Every callback sample of the provider's "Callback Url" page (seed 001),
// parsed field by field.
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/providers/esms/callback_query.hpp"

#include "unit/seed_files.hpp"

namespace deliveryd::providers::esms {
namespace {

using core::Price;
using core::StateLabel;

const core::Timestamp received{std::chrono::sys_days{std::chrono::year{2024} / 4 / 24} +
                               std::chrono::hours{10}};

core::Observation parse_seed(const std::string& name) {
    const std::string query = testing::read_seed_line(name);
    EXPECT_FALSE(query.empty()) << name << " missing from " << DELIVERYD_SEEDS_DIR;
    auto result = parse_callback_query(query, received);
    EXPECT_TRUE(result.ok()) << name << ": " << result.error;
    EXPECT_TRUE(result.notes.empty());
    if (!result.ok()) {
        return {};
    }
    EXPECT_EQ(result.value->raw, query);
    EXPECT_EQ(result.value->source, core::Source::callback);
    EXPECT_EQ(result.value->provider, core::Provider::esms);
    EXPECT_EQ(result.value->observed_at, received);
    return *result.value;
}

TEST(EsmsCallbackSamples, CustomerCareSmsWithOnlyFailures) {
    const auto o = parse_seed("callback_001_sms_cskh.txt");
    EXPECT_EQ(o.sms_id, "dc712784-9c5f-4c69-b9a8-ea69d56adc9a87");
    EXPECT_EQ(o.state, StateLabel::failed);
    EXPECT_EQ(o.send_status, 5);
    EXPECT_EQ(o.send_failed, 2);
    EXPECT_EQ(o.send_success, 0);
    EXPECT_EQ(o.total_price, Price{0});
    EXPECT_EQ(o.total_receiver, 2);
    EXPECT_EQ(o.total_sent, 2);
    EXPECT_EQ(o.request_id, std::nullopt);  // RequestId= (empty means absent)
    EXPECT_EQ(o.type_id, 2);
    EXPECT_EQ(o.telco_id, 1);
    EXPECT_EQ(o.phone, "0901888484");
    EXPECT_EQ(o.zalo_user_id, std::nullopt);
    EXPECT_EQ(o.partner_id, std::nullopt);
    EXPECT_EQ(o.oa_id, std::nullopt);
    EXPECT_EQ(o.error_code, std::nullopt);
    EXPECT_EQ(o.error_message, std::nullopt);
    EXPECT_EQ(o.zalo_status, std::nullopt);
}

TEST(EsmsCallbackSamples, PromoSmsWithZeroCountsIsSent) {
    const auto o = parse_seed("callback_001_sms_promo.txt");
    EXPECT_EQ(o.sms_id, "82b0bb8aed914a0aab8deba567c9b8c2");
    // SendStatus 5 with SendFailed 0: not "only failures", so sent.
    EXPECT_EQ(o.state, StateLabel::sent);
    EXPECT_EQ(o.send_status, 5);
    EXPECT_EQ(o.send_failed, 0);
    EXPECT_EQ(o.send_success, 0);
    EXPECT_EQ(o.total_price, Price{6'969'870'000});  // 696987.0000 exactly
    EXPECT_EQ(o.total_receiver, 169);
    EXPECT_EQ(o.total_sent, 169);
    EXPECT_EQ(o.type_id, 1);
    EXPECT_EQ(o.telco_id, std::nullopt);
    EXPECT_EQ(o.phone, std::nullopt);
}

TEST(EsmsCallbackSamples, ZnsFailureWithErrorInfoAsJsonString) {
    const auto o = parse_seed("callback_001_zns_failure.txt");
    EXPECT_EQ(o.sms_id, "f66545d2-c7e2-4603-984e-d2238c363c8292");
    EXPECT_EQ(o.state, StateLabel::failed);
    EXPECT_EQ(o.send_status, 5);
    EXPECT_EQ(o.send_failed, 1);
    EXPECT_EQ(o.send_success, 0);
    EXPECT_EQ(o.total_price, Price{0});
    EXPECT_EQ(o.total_receiver, 1);
    EXPECT_EQ(o.total_sent, 0);
    EXPECT_EQ(o.type_id, 25);
    EXPECT_EQ(o.telco_id, 2);
    EXPECT_EQ(o.phone, "0901888484");
    EXPECT_EQ(o.zalo_user_id, std::nullopt);
    EXPECT_EQ(o.partner_id, std::nullopt);  // partnerids= (empty)
    EXPECT_EQ(o.error_code, -114);
    EXPECT_EQ(o.error_message,
              "User is inactive, or reject the message, or using an outdated Zalo version, or "
              "other internal errors");
    EXPECT_EQ(o.oa_id, "1397492183140006179");
    EXPECT_EQ(o.template_id, "2056446");
    EXPECT_EQ(o.zalo_status, std::nullopt);
}

TEST(EsmsCallbackSamples, ViberSuccess) {
    const auto o = parse_seed("callback_001_viber.txt");
    EXPECT_EQ(o.sms_id, "849fe08c19294b02857cf91687021a50250");
    EXPECT_EQ(o.state, StateLabel::sent);
    EXPECT_EQ(o.send_status, 5);
    EXPECT_EQ(o.send_failed, 0);
    EXPECT_EQ(o.send_success, 1);
    EXPECT_EQ(o.total_price, Price{4'700'000});
    EXPECT_EQ(o.total_receiver, 1);
    EXPECT_EQ(o.total_sent, 1);
    EXPECT_EQ(o.type_id, 23);
    EXPECT_EQ(o.telco_id, 2);
    EXPECT_EQ(o.phone, "0901888484");
    EXPECT_EQ(o.error_code, std::nullopt);
}

// TypeId 26/27: phonenumber is a (shortened) Zalo user id, Zalo's own
// data.user_id the full one; error_info is percent-encoded twice and stamped.
void expect_follower_message(const core::Observation& o, const std::string& sms_id,
                             const std::string& partner_id, int type_id, Price price) {
    EXPECT_EQ(o.sms_id, sms_id);
    EXPECT_EQ(o.state, StateLabel::sent);
    EXPECT_EQ(o.send_status, 5);
    EXPECT_EQ(o.send_failed, 0);
    EXPECT_EQ(o.send_success, 1);
    EXPECT_EQ(o.total_price, price);
    EXPECT_EQ(o.total_receiver, 1);
    EXPECT_EQ(o.total_sent, 1);
    EXPECT_EQ(o.type_id, type_id);
    EXPECT_EQ(o.telco_id, std::nullopt);
    EXPECT_EQ(o.phone, std::nullopt);
    EXPECT_EQ(o.zalo_user_id, "31215806834323092");  // data.user_id over phonenumber
    EXPECT_EQ(o.partner_id, partner_id);
    EXPECT_EQ(o.oa_id, "4097311281936189049");
    EXPECT_EQ(o.template_id, std::nullopt);
    // Reported as is; merge() keeps success out of the row's error columns.
    EXPECT_EQ(o.error_code, 0);
    EXPECT_EQ(o.error_message, "Success");
    EXPECT_EQ(o.zalo_status, std::nullopt);
    EXPECT_EQ(o.delivered_at, std::nullopt);
    EXPECT_EQ(o.unknown_status, std::nullopt);
    EXPECT_TRUE(o.provider_at.has_value());  // the "____dd/MM/yyyy HH:mm:ss" stamp
}

TEST(EsmsCallbackSamples, ZaloConsulting) {
    expect_follower_message(parse_seed("callback_001_zalo_consulting.txt"),
                            "7d11c87a22934df390f73ec59d8defd6205", "e1a60e8890be9de4c4ab", 26,
                            Price{600'000});
}

TEST(EsmsCallbackSamples, TheErrorInfoStampIsTheProviderTime) {
    // "____24/04/2024 16:58:01", Vietnam time.
    EXPECT_EQ(parse_seed("callback_001_zalo_consulting.txt").provider_at,
              core::Timestamp{std::chrono::sys_days{std::chrono::year{2024} / 4 / 24} +
                              std::chrono::hours{9} + std::chrono::minutes{58} +
                              std::chrono::seconds{1}});
}

TEST(EsmsCallbackSamples, ZaloTransaction) {
    expect_follower_message(parse_seed("callback_001_zalo_transaction.txt"),
                            "53dbbc6e816f4159a9035a14a787e08f172", "f405841b5f2352790b36", 26,
                            Price{600'000});
}

TEST(EsmsCallbackSamples, ZaloUserInfoForm) {
    expect_follower_message(parse_seed("callback_001_zalo_info_form.txt"),
                            "53dbbc6e816f4159a9035a14a787e08f172", "f405841b5f2352790b36", 26,
                            Price{600'000});
}

TEST(EsmsCallbackSamples, ZnsJourneyKeepsPartneridsOverErrorInfoMessageId) {
    // The sample's partnerids differs from error_info's data.message_id; the
    // query parameter wins.
    expect_follower_message(parse_seed("callback_001_zns_journey.txt"),
                            "7d11c87a22934df390f73ec59d8defd6205", "e1a60e8890be9derir3gfbff", 27,
                            Price{2'200'000});
}

TEST(EsmsCallbackSamples, UidSendWithDeliveryStatusIsDelivered) {
    // A send by Zalo user id: single-encoded plain JSON carrying Zalo's status.
    const std::string query =
        "SMSID=0a1b2c3d4e5f60718293a4b5c6d7e8f9001&SendFailed=0&SendStatus=5&SendSuccess=1&"
        "TotalPrice=220.0000&TotalReceiver=1&TotalSent=1&RequestId=&TypeId=25&telcoid=9&"
        "phonenumber=8123456789012345678&partnerids=abcdef0123456789abcd&oaid=4097311281936189049&"
        "error_info=%7B%22error%22%3A0%2C%22message%22%3A%22Success%22%2C%22data%22%3A%7B%22"
        "delivery_time%22%3Anull%2C%22message%22%3A%22The%20message%20was%20delivered%20to%20the%"
        "20user%27s%20phone%22%2C%22status%22%3A1%7D%7D";
    const auto result = parse_callback_query(query, received);
    ASSERT_TRUE(result.ok()) << result.error;
    const auto& o = *result.value;
    EXPECT_EQ(o.state, StateLabel::delivered);
    EXPECT_EQ(o.zalo_status, 1);
    EXPECT_EQ(o.delivered_at, std::nullopt);  // delivery_time null in the sample
    EXPECT_EQ(o.error_code, 0);
    EXPECT_EQ(o.error_message, "Success");
    EXPECT_EQ(o.telco_id, 9);
    EXPECT_EQ(o.partner_id, "abcdef0123456789abcd");
}

}  // namespace
}  // namespace deliveryd::providers::esms
