#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/core/phone.hpp"

namespace deliveryd::core {
namespace {

TEST(PhoneSubscriber, EveryWrittenFormGivesTheSameDigits) {
    for (const char* form : {"0912345678", "84912345678", "+84912345678", "912345678"}) {
        EXPECT_EQ(phone_subscriber(form), "912345678") << form;
    }
    // The 10-digit subscriber numbers from before 2018.
    EXPECT_EQ(phone_subscriber("01234567890"), "1234567890");
    EXPECT_EQ(phone_subscriber("841234567890"), "1234567890");
}

TEST(PhoneSubscriber, NineDigitsStartingWith84AreASubscriberNumber) {
    EXPECT_EQ(phone_subscriber("841234567"), "841234567");
}

TEST(PhoneSubscriber, ZaloUserIdsAndOtherTextAreNotPhones) {
    EXPECT_EQ(phone_subscriber("5843210987654321"), std::nullopt);
    EXPECT_EQ(phone_subscriber("84012345678"), std::nullopt);
    EXPECT_EQ(phone_subscriber("+84 912 345 678"), std::nullopt);
    EXPECT_EQ(phone_subscriber(""), std::nullopt);
}

TEST(PhoneForms, LongestFirstSoThatReplacingInTurnLeavesNoPart) {
    EXPECT_EQ(phone_forms("0912345678"),
              (std::vector<std::string>{"+84912345678", "84912345678", "0912345678", "912345678"}));
    EXPECT_EQ(phone_forms("+84912345678"), phone_forms("912345678"));
    EXPECT_EQ(phone_forms("5843210987654321"), std::vector<std::string>{"5843210987654321"});
}

}  // namespace
}  // namespace deliveryd::core
