#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/core/masking.hpp"

namespace deliveryd::core {
namespace {

TEST(MaskIdentifier, KeepsTheFirstThreeAndLastTwo) {
    EXPECT_EQ(mask_identifier("0912345678"), "091*****78");
    EXPECT_EQ(mask_identifier("+84912345678"), "+84*******78");
    EXPECT_EQ(mask_identifier("5843210987654321"), "584***********21");
    EXPECT_EQ(mask_identifier("123456"), "123*56");
    EXPECT_EQ(mask_identifier("12345"), "*****");
    EXPECT_EQ(mask_identifier(""), "");
}

TEST(WrittenForms, APhoneInEveryFormAndItsPercentEncodedPlus) {
    EXPECT_EQ(written_forms("0912345678"),
              (std::vector<std::string>{"%2B84912345678", "%2b84912345678", "+84912345678",
                                        "84912345678", "0912345678", "912345678"}));
    EXPECT_EQ(written_forms("5843210987654321"), std::vector<std::string>{"5843210987654321"});
}

TEST(MaskForms, NoFormOfTheNumberIsLeftInAPayload) {
    const auto forms = written_forms("84912345678");
    const auto masked = mask_forms(
        "SMSID=a&phonenumber=%2B84912345678&x=0912345678&y={\"Phone\":\"84912345678\"}", forms);
    EXPECT_EQ(masked.find("912345678"), std::string::npos) << masked;
    EXPECT_EQ(masked,
              "SMSID=a&phonenumber=%2B*********78&x=091*****78&y={\"Phone\":\"849******78\"}");
    EXPECT_EQ(mask_forms("no number here", forms), "no number here");
}

}  // namespace
}  // namespace deliveryd::core
