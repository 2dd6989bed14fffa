// The shared SendStatus rule and the result-code table.
#include <gtest/gtest.h>

#include "deliveryd/providers/esms/result_code.hpp"
#include "deliveryd/providers/esms/send_status.hpp"
#include "deliveryd/providers/esms/sms_id.hpp"

namespace deliveryd::providers::esms {
namespace {

using core::StateLabel;

LabelDecision decide(std::optional<int> status, std::optional<int> success = {},
                     std::optional<int> failed = {}, bool zns = false,
                     std::optional<int> zalo_error = {}, std::optional<int> zalo_status = {}) {
    return decide_label(StatusReport{status, success, failed, zns, zalo_error, zalo_status});
}

TEST(EsmsSendStatus, KnownValues) {
    EXPECT_EQ(decide(1).label, StateLabel::pending_approval);
    EXPECT_EQ(decide(2).label, StateLabel::waiting);
    EXPECT_EQ(decide(4).label, StateLabel::rejected);
    EXPECT_EQ(decide(7).label, StateLabel::sent_to_telco);
    EXPECT_EQ(decide(5).label, StateLabel::sent);
    EXPECT_EQ(decide(5, 1, 0).label, StateLabel::sent);
    EXPECT_EQ(decide(5, 0, 0).label, StateLabel::sent);
    EXPECT_EQ(decide(5, 0, 1).label, StateLabel::failed);
    EXPECT_EQ(decide(5, std::nullopt, 2).label, StateLabel::failed);
    EXPECT_EQ(decide(5, 1, 1).label, StateLabel::sent);  // partly delivered multi-receiver id
    EXPECT_FALSE(decide(5).unknown_send_status);
}

TEST(EsmsSendStatus, ZaloEvidence) {
    EXPECT_EQ(decide(5, 1, 0, true, -114).label, StateLabel::failed);
    EXPECT_EQ(decide(5, 1, 0, true, 0).label, StateLabel::sent);
    EXPECT_EQ(decide(5, 1, 0, false, -114).label, StateLabel::sent);
    EXPECT_EQ(decide(std::nullopt, {}, {}, true, -118).label, StateLabel::failed);
    EXPECT_EQ(decide(2, {}, {}, true, -118).label, StateLabel::waiting);
    EXPECT_EQ(decide(5, 1, 0, true, 0, 1).label, StateLabel::delivered);
    EXPECT_EQ(decide(5, 1, 0, true, 0, 0).label, StateLabel::sent);
    EXPECT_EQ(decide(5, 1, 0, true, 0, -1).label, StateLabel::sent);
}

TEST(EsmsSendStatus, UnknownValuesStayNonFinalAndAreFlagged) {
    for (const int status : {0, 3, 6, 8, 99}) {
        const auto d = decide(status, 1, 0);
        EXPECT_EQ(d.label, StateLabel::submitted) << status;
        EXPECT_TRUE(d.unknown_send_status) << status;
    }
    EXPECT_EQ(decide(std::nullopt).label, StateLabel::submitted);
    EXPECT_FALSE(decide(std::nullopt).unknown_send_status);
    // Negative values too; and a handset receipt decides the label but the
    // undocumented SendStatus beside it is still flagged.
    EXPECT_TRUE(decide(-1).unknown_send_status);
    const auto receipt = decide(9, 1, 0, true, 0, 1);
    EXPECT_EQ(receipt.label, StateLabel::delivered);
    EXPECT_TRUE(receipt.unknown_send_status);
    EXPECT_FALSE(decide(5, 1, 0, true, 0, 1).unknown_send_status);
}

TEST(EsmsResultCode, Table) {
    EXPECT_EQ(classify_result_code(100), ResultClass::success);
    for (const int code : {101, 102, 104, 140, 143, 204, 788, 789, 799, 802}) {
        EXPECT_EQ(classify_result_code(code), ResultClass::credentials) << code;
    }
    for (const int code : {103, 105, 160, 854, 0, 124, 999, -1, 131}) {
        EXPECT_EQ(classify_result_code(code), ResultClass::retry_later) << code;
    }
    for (const int code : {99,  106, 107, 108, 110, 115, 117, 118, 119, 120, 146, 163, 171,
                           177, 201, 210, 300, 301, 687, 790, 791, 801, 851, 852, 853}) {
        EXPECT_EQ(classify_result_code(code), ResultClass::permanent_failure) << code;
    }
    EXPECT_EQ(describe_result_code(101), "wrong ApiKey/SecretKey");
    EXPECT_EQ(describe_result_code(12345), "unknown code");
    EXPECT_EQ(to_string(ResultClass::permanent_failure), "permanent_failure");
}

TEST(EsmsSmsId, Rules) {
    EXPECT_TRUE(is_valid_sms_id("dc712784-9c5f-4c69-b9a8-ea69d56adc9a87"));
    EXPECT_TRUE(is_valid_sms_id("!~"));
    EXPECT_EQ(sms_id_problem(""), "is empty");
    EXPECT_EQ(sms_id_problem(std::string(129, 'x')), "is longer than 128 characters");
    EXPECT_EQ(sms_id_problem("a b"), "contains a space");
    EXPECT_EQ(sms_id_problem("a\"b"), "contains a quote");
    EXPECT_EQ(sms_id_problem("a;b"), "contains a semicolon");
    EXPECT_EQ(sms_id_problem(std::string("a\0b", 3)), "contains a control or non-ASCII character");
}

}  // namespace
}  // namespace deliveryd::providers::esms
