// The callback parser's edges: names, encodings, ids, numbers, repeats.
#include <string>

#include <gtest/gtest.h>

#include "deliveryd/providers/esms/callback_query.hpp"

namespace deliveryd::providers::esms {
namespace {

using core::StateLabel;

const core::Timestamp received{std::chrono::sys_days{std::chrono::year{2025} / 1 / 2}};

ParseResult<core::Observation> parse(const std::string& query) {
    return parse_callback_query(query, received);
}

core::Observation parse_ok(const std::string& query) {
    auto result = parse(query);
    EXPECT_TRUE(result.ok()) << query << ": " << result.error;
    return result.ok() ? *result.value : core::Observation{};
}

void expect_error(const std::string& query, const std::string& fragment) {
    const auto result = parse(query);
    EXPECT_FALSE(result.ok()) << query;
    EXPECT_FALSE(result.value.has_value());
    EXPECT_NE(result.error.find(fragment), std::string::npos)
        << query << " -> '" << result.error << "', expected '" << fragment << "'";
}

TEST(EsmsCallbackQuery, NamesMatchIgnoringCase) {
    for (const std::string name : {"telcoid", "Telcoid", "TelcoId", "TELCOID"}) {
        EXPECT_EQ(parse_ok("SMSID=a1&" + name + "=3").telco_id, 3) << name;
    }
    const auto o = parse_ok("smsid=a1&sendstatus=5&SENDSUCCESS=1&totalprice=1.5&TYPEID=2");
    EXPECT_EQ(o.sms_id, "a1");
    EXPECT_EQ(o.send_status, 5);
    EXPECT_EQ(o.send_success, 1);
    EXPECT_EQ(o.total_price, core::Price{15'000});
    EXPECT_EQ(o.state, StateLabel::sent);
}

// Each name is looked up by its length and first, second and last letters:
// names that share those with a field but differ elsewhere are not it, and
// every field is found in either case.
TEST(EsmsCallbackQuery, NamesLikeAFieldsAreNotIt) {
    const auto o = parse_ok(
        "SMSID=a1&SendStaxus=5&TotalSenx=1&TypeIdd=2&TempId=t&tXmpid=u&telcoiD=4&sMsId_=b&oaiD=o");
    EXPECT_EQ(o.send_status, std::nullopt);
    EXPECT_EQ(o.total_sent, std::nullopt);
    EXPECT_EQ(o.type_id, std::nullopt);
    EXPECT_EQ(o.template_id, "t");
    EXPECT_EQ(o.telco_id, 4);
    EXPECT_EQ(o.oa_id, "o");
    EXPECT_EQ(o.sms_id, "a1");
    const auto upper = parse_ok(
        "SMSID=a1&SENDFAILED=1&SENDSTATUS=5&SENDSUCCESS=1&TOTALPRICE=2&TOTALRECEIVER=1&"
        "TOTALSENT=1&REQUESTID=r&TYPEID=2&TELCOID=3&PHONENUMBER=0901888484&PARTNERIDS=p&"
        "ERROR_INFO=e&OAID=o&TEMPID=t");
    EXPECT_EQ(upper.send_failed, 1);
    EXPECT_EQ(upper.send_status, 5);
    EXPECT_EQ(upper.send_success, 1);
    EXPECT_EQ(upper.total_price, core::Price{20'000});
    EXPECT_EQ(upper.total_receiver, 1);
    EXPECT_EQ(upper.total_sent, 1);
    EXPECT_EQ(upper.request_id, "r");
    EXPECT_EQ(upper.type_id, 2);
    EXPECT_EQ(upper.telco_id, 3);
    EXPECT_TRUE(upper.phone.has_value());
    EXPECT_EQ(upper.partner_id, "p");
    EXPECT_EQ(upper.error_message, "e");
    EXPECT_EQ(upper.oa_id, "o");
    EXPECT_EQ(upper.template_id, "t");
}

// A name is compared as it decodes: an escaped letter is that letter, and
// '+' is a space, which no field's name holds.
TEST(EsmsCallbackQuery, NamesAreDecodedBeforeTheLookup) {
    const auto o = parse_ok("%53MSID=a1&Send%53tatus=5&total%70rice=2&Send+Success=1");
    EXPECT_EQ(o.sms_id, "a1");
    EXPECT_EQ(o.send_status, 5);
    EXPECT_EQ(o.total_price, core::Price{20'000});
    EXPECT_EQ(o.send_success, std::nullopt);
}

TEST(EsmsCallbackQuery, LeadingQuestionMarkIsSkipped) {
    EXPECT_EQ(parse_ok("?SMSID=a1&SendStatus=2").state, StateLabel::waiting);
}

TEST(EsmsCallbackQuery, EmptyValuesMeanAbsent) {
    const auto o = parse_ok("SMSID=a1&SendStatus=&TotalPrice=&phonenumber=&TypeId&oaid=");
    EXPECT_EQ(o.send_status, std::nullopt);
    EXPECT_EQ(o.total_price, std::nullopt);
    EXPECT_EQ(o.phone, std::nullopt);
    EXPECT_EQ(o.type_id, std::nullopt);
    EXPECT_EQ(o.oa_id, std::nullopt);
    EXPECT_EQ(o.state, StateLabel::submitted);
    expect_error("SMSID=&SendStatus=5", "SMSID is missing");
}

TEST(EsmsCallbackQuery, PlusAndPercent20AreSpaces) {
    const auto o = parse_ok("SMSID=a1&error_info=User+is%20inactive&RequestId=r+1");
    EXPECT_EQ(o.error_message, "User is inactive");
    EXPECT_EQ(o.request_id, "r 1");
    EXPECT_EQ(parse_ok("SMSID=a1&phonenumber=%2B84901888484").phone, "+84901888484");
}

TEST(EsmsCallbackQuery, UnknownParametersAreIgnored) {
    const auto o = parse_ok("SMSID=a1&switchsmsid=&foo=bar&SendStatus=7&=x&&baz");
    EXPECT_EQ(o.state, StateLabel::sent_to_telco);
}

TEST(EsmsCallbackQuery, RawBracesAndQuotesAreTakenLiterally) {
    const auto o = parse_ok("SMSID=a1&TypeId=25&SendStatus=5&error_info={\"error\":-118}");
    EXPECT_EQ(o.error_code, -118);
    EXPECT_EQ(o.state, StateLabel::failed);
}

TEST(EsmsCallbackQuery, InvalidPercentEncodingIsRejected) {
    expect_error("SMSID=a1&error_info=%zz", "percent-encoding");
    expect_error("SMSID=a1&error_info=50%", "percent-encoding");
    expect_error("SMSID=a1%4", "percent-encoding");
    expect_error("SM%G1ID=a1", "percent-encoding");
}

TEST(EsmsCallbackQuery, SmsIdIsValidated) {
    expect_error("SendStatus=5", "SMSID is missing");
    expect_error("SMSID=" + std::string(129, 'a'), "longer than 128");
    EXPECT_EQ(parse_ok("SMSID=" + std::string(128, 'a')).sms_id, std::string(128, 'a'));
    expect_error("SMSID=a+b", "space");
    expect_error("SMSID=a%20b", "space");
    expect_error("SMSID=a%22b", "quote");
    expect_error("SMSID=a'b", "quote");
    expect_error("SMSID=a%27b", "quote");
    expect_error("SMSID=a%3Bb", "semicolon");
    expect_error("SMSID=a;b", "semicolon");
    expect_error("SMSID=a%00b", "control");
    expect_error("SMSID=a%09b", "control");
    expect_error("SMSID=a%7Fb", "control");
    expect_error("SMSID=a%C3%A9b", "non-ASCII");
    expect_error("SMSID=a\xC3\xA9", "non-ASCII");
    // Opaque ids of the shapes eSMS uses are accepted as they are.
    EXPECT_EQ(parse_ok("SMSID=4a496110-9fd3-4838-ac8b-bcaa36616f7011").sms_id,
              "4a496110-9fd3-4838-ac8b-bcaa36616f7011");
    EXPECT_EQ(parse_ok("SMSID=a%2Fb%3D").sms_id, "a/b=");
}

TEST(EsmsCallbackQuery, NumbersMustBeIntegersThatFit32Bits) {
    expect_error("SMSID=a1&SendStatus=abc",
                 "SendStatus is not an integer that fits 32 bits: 'abc'");
    expect_error("SMSID=a1&SendStatus=5.0", "SendStatus");
    expect_error("SMSID=a1&SendStatus=+5", "SendStatus");  // '+' decodes to a space
    expect_error("SMSID=a1&SendStatus=%2B5", "SendStatus");
    expect_error("SMSID=a1&SendStatus=0x5", "SendStatus");
    expect_error("SMSID=a1&SendSuccess=2147483648", "SendSuccess");
    expect_error("SMSID=a1&SendFailed=99999999999999999999999", "SendFailed");
    expect_error("SMSID=a1&TotalReceiver=1e3", "TotalReceiver");
    expect_error("SMSID=a1&TotalSent=%E2%91%A0", "TotalSent");
    expect_error("SMSID=a1&TypeId=two", "TypeId");
    expect_error("SMSID=a1&telcoid=1%00", "telcoid");
    expect_error("SMSID=a1&SendFailed=-2147483649", "SendFailed");
    EXPECT_EQ(parse_ok("SMSID=a1&SendSuccess=2147483647").send_success, 2147483647);
    EXPECT_EQ(parse_ok("SMSID=a1&TypeId=0025").type_id, 25);
}

TEST(EsmsCallbackQuery, NegativeValuesAreReportsToo) {
    // eSMS retries only on timeouts: a 400 would lose the report for good.
    const auto o = parse_ok(
        "SMSID=a1&SendStatus=-1&SendSuccess=-1&SendFailed=-2147483648&TotalReceiver=-3&"
        "TotalSent=-4&TypeId=-5&telcoid=-6");
    EXPECT_EQ(o.send_status, -1);
    EXPECT_EQ(o.send_success, -1);
    EXPECT_EQ(o.send_failed, -2147483648);
    EXPECT_EQ(o.total_receiver, -3);
    EXPECT_EQ(o.total_sent, -4);
    EXPECT_EQ(o.type_id, -5);
    EXPECT_EQ(o.telco_id, -6);
    EXPECT_EQ(o.state, StateLabel::submitted);
    EXPECT_EQ(o.unknown_status, "-1");
}

TEST(EsmsCallbackQuery, TotalPriceIsAnExactDecimal) {
    EXPECT_EQ(parse_ok("SMSID=a1&TotalPrice=0.0001").total_price, core::Price{1});
    EXPECT_EQ(parse_ok("SMSID=a1&TotalPrice=470").total_price, core::Price{4'700'000});
    EXPECT_EQ(parse_ok("SMSID=a1&TotalPrice=12.50000").total_price, core::Price{125'000});
    EXPECT_EQ(parse_ok("SMSID=a1&TotalPrice=99999999999999.9999").total_price,
              core::Price{999'999'999'999'999'999});
    expect_error("SMSID=a1&TotalPrice=0.00001", "TotalPrice");
    expect_error("SMSID=a1&TotalPrice=100000000000000", "TotalPrice");
    expect_error("SMSID=a1&TotalPrice=-1.0", "TotalPrice");
    expect_error("SMSID=a1&TotalPrice=1,5", "TotalPrice");
    expect_error("SMSID=a1&TotalPrice=.5", "TotalPrice");
    expect_error("SMSID=a1&TotalPrice=5.", "TotalPrice");
    expect_error("SMSID=a1&TotalPrice=NaN", "TotalPrice");
    expect_error("SMSID=a1&TotalPrice=1e2", "TotalPrice");
}

TEST(EsmsCallbackQuery, RepeatedParameters) {
    // The same value twice is harmless; two different values are a 400.
    EXPECT_EQ(parse_ok("SMSID=a1&SendStatus=5&sendstatus=5").send_status, 5);
    EXPECT_EQ(parse_ok("SMSID=a1&SMSID=a1").sms_id, "a1");
    EXPECT_EQ(parse_ok("SMSID=a1&SendStatus=&SendStatus=2").send_status, 2);
    // Values are compared as they decode.
    EXPECT_EQ(parse_ok("SMSID=a1&SendStatus=5&SendStatus=%35").send_status, 5);
    EXPECT_EQ(parse_ok("SMSID=a%2F1&SMSID=a/1").sms_id, "a/1");
    expect_error("SMSID=a1&RequestId=r+1&RequestId=r%2B1", "RequestId is repeated");
    expect_error("SMSID=a1&SendStatus=5&SendStatus=2", "SendStatus is repeated");
    expect_error("SMSID=a1&SMSID=b2", "SMSID is repeated");
    expect_error("SMSID=a1&telcoid=1&TelcoId=2", "telcoid is repeated");
    // Unknown names may repeat freely.
    EXPECT_TRUE(parse("SMSID=a1&x=1&x=2").ok());
}

TEST(EsmsCallbackQuery, UnknownSendStatusIsNonFinalAndNamed) {
    const auto result = parse("SMSID=a1&SendStatus=3");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.value->state, StateLabel::submitted);
    EXPECT_EQ(result.value->send_status, 3);
    EXPECT_EQ(result.value->unknown_status, "3");
    EXPECT_EQ(parse_ok("SMSID=a1&SendStatus=5").unknown_status, std::nullopt);
    // An undocumented Zalo data.status, with a documented SendStatus.
    const auto zalo = parse_ok(
        "SMSID=a1&SendStatus=5&SendSuccess=1&TypeId=25&error_info={\"error\":0,\"data\":{"
        "\"status\":4}}");
    EXPECT_EQ(zalo.state, StateLabel::sent);
    EXPECT_EQ(zalo.unknown_status, "4");
}

TEST(EsmsCallbackQuery, PhoneNumbersAndZaloUserIdsGoToTheirOwnColumns) {
    for (const auto* phone : {"0901888484", "84901888484", "%2B84901888484", "901888484",
                              "01688123456", "841688123456"}) {
        const auto o = parse_ok(std::string("SMSID=a1&TypeId=25&phonenumber=") + phone);
        EXPECT_TRUE(o.phone.has_value()) << phone;
        EXPECT_EQ(o.zalo_user_id, std::nullopt) << phone;
    }
    // TypeId 24/25 sent to a user id carry it in phonenumber too.
    for (const auto* uid : {"8123456789012345678", "312158068343230", "84901888484123", "abc"}) {
        const auto o = parse_ok(std::string("SMSID=a1&TypeId=25&phonenumber=") + uid);
        EXPECT_EQ(o.phone, std::nullopt) << uid;
        EXPECT_EQ(o.zalo_user_id, uid) << uid;
    }
    // Follower messages and journeys go only to users, whatever the shape.
    const auto follower = parse_ok("SMSID=a1&TypeId=26&phonenumber=0901888484");
    EXPECT_EQ(follower.phone, std::nullopt);
    EXPECT_EQ(follower.zalo_user_id, "0901888484");
}

TEST(EsmsCallbackQuery, ImplausibleProviderTimesAreLeftOut) {
    // received is 2025-01-02: seconds sent as milliseconds read as 1970,
    // and a time more than a day ahead cannot be true.
    const auto in_seconds = parse_ok(
        "SMSID=a1&SendStatus=5&TypeId=25&error_info={\"error\":0,\"data\":{\"status\":1,"
        "\"delivery_time\":1735776000}}");
    EXPECT_EQ(in_seconds.state, StateLabel::delivered);
    EXPECT_EQ(in_seconds.delivered_at, std::nullopt);
    const auto ahead = parse_ok(
        "SMSID=a1&SendStatus=5&TypeId=25&error_info={\"error\":0,\"data\":{\"status\":1,"
        "\"delivery_time\":1767225600000}}");  // 2026-01-01
    EXPECT_EQ(ahead.delivered_at, std::nullopt);
    const auto fine = parse_ok(
        "SMSID=a1&SendStatus=5&TypeId=25&error_info={\"error\":0,\"data\":{\"status\":1,"
        "\"delivery_time\":1735776000000}}");  // 2025-01-02T00:00:00Z
    EXPECT_EQ(fine.delivered_at, received);
    // The error_info stamp likewise: 01/01/2014 is before 2015.
    EXPECT_EQ(parse_ok("SMSID=a1&error_info={\"error\":-118}____01/01/2014 10:00:00").provider_at,
              std::nullopt);
    EXPECT_TRUE(parse_ok("SMSID=a1&error_info={\"error\":-118}____01/01/2025 10:00:00")
                    .provider_at.has_value());
}

TEST(EsmsCallbackQuery, TextsAreMadeValidUtf8) {
    const auto o = parse_ok("SMSID=a1&phonenumber=09%FF1&error_info=L%E1%BB%97i%00x");
    // Not a phone number either: it goes to zalo_user_id, made valid.
    EXPECT_EQ(o.zalo_user_id,
              "09\xEF\xBF\xBD"
              "1");
    EXPECT_EQ(o.error_message, "L\xE1\xBB\x97i\xEF\xBF\xBDx");  // "Lỗi", NUL replaced
}

TEST(EsmsCallbackQuery, LabelsFromSendStatus) {
    EXPECT_EQ(parse_ok("SMSID=a1&SendStatus=1").state, StateLabel::pending_approval);
    EXPECT_EQ(parse_ok("SMSID=a1&SendStatus=2").state, StateLabel::waiting);
    EXPECT_EQ(parse_ok("SMSID=a1&SendStatus=4").state, StateLabel::rejected);
    EXPECT_EQ(parse_ok("SMSID=a1&SendStatus=7").state, StateLabel::sent_to_telco);
    EXPECT_EQ(parse_ok("SMSID=a1&SendStatus=5").state, StateLabel::sent);
    EXPECT_EQ(parse_ok("SMSID=a1&SendStatus=5&SendFailed=1").state, StateLabel::failed);
    EXPECT_EQ(parse_ok("SMSID=a1&SendStatus=5&SendFailed=1&SendSuccess=1").state, StateLabel::sent);
    // ZNS with Zalo's error is failed even with a success count.
    EXPECT_EQ(parse_ok("SMSID=a1&SendStatus=5&SendSuccess=1&TypeId=24&error_info="
                       "%7B%22error%22%3A-118%7D")
                  .state,
              StateLabel::failed);
    // The same error_info on an SMS type is not a reason to fail.
    EXPECT_EQ(parse_ok("SMSID=a1&SendStatus=5&SendSuccess=1&TypeId=2&error_info="
                       "%7B%22error%22%3A-118%7D")
                  .state,
              StateLabel::sent);
}

TEST(EsmsCallbackQuery, NeverThrowsOnHostileInput) {
    std::string huge = "SMSID=a1";
    for (int i = 0; i < 2000; ++i) {
        huge += "&error_info=%25%25%25&x" + std::to_string(i) + "=%7B%7B%7B";
    }
    const auto refused = parse(huge);  // 4,001 parameters: refused, never slow
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error, "more than 100 parameters");
    std::string repeats = "SMSID=a1";
    for (int i = 0; i < 45; ++i) {
        repeats += "&error_info=%25%25%25&x" + std::to_string(i) + "=%7B%7B%7B";
    }
    const auto repeated = parse(repeats);  // the same error_info value again and again: fine
    ASSERT_TRUE(repeated.ok()) << repeated.error;
    EXPECT_EQ(repeated.value->error_message, "%%%");
    EXPECT_FALSE(parse(std::string("\0\0\0", 3)).ok());
    EXPECT_FALSE(parse("&&&&====%%%%").ok());
    EXPECT_FALSE(parse("").ok());
}

}  // namespace
}  // namespace deliveryd::providers::esms
