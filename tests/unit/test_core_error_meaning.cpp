#include <gtest/gtest.h>

#include "deliveryd/core/error_meaning.hpp"

namespace deliveryd::core {
namespace {

TEST(ErrorMeaning, ZaloAndEsmsCodesAreNamed) {
    EXPECT_EQ(error_meaning(-118),
              "Zalo: no Zalo account for this phone number, or it was deactivated");
    EXPECT_EQ(error_meaning(-124),
              "Zalo: the OA's access token is invalid (the provider must renew it; resend after)");
    EXPECT_EQ(error_meaning(104), "eSMS: the brandname does not exist or is inactive");
    EXPECT_EQ(error_meaning(1001), "eSMS: the user was not online on Zalo within the allowed time");
    EXPECT_EQ(error_meaning(0), "success");
}

TEST(ErrorMeaning, UndocumentedCodesHaveNone) {
    for (const long long code : {-139LL, -131LL, 119LL, 131LL, 132LL, 5LL, -1LL, 99999LL}) {
        EXPECT_EQ(error_meaning(code), std::nullopt) << code;
    }
}

TEST(ErrorMeaning, EveryNamedCodeIsFound) {
    // The table is searched by bisection: a code out of order would be lost.
    int found = 0;
    for (long long code = -300; code <= 1100; ++code) {
        found += error_meaning(code) ? 1 : 0;
    }
    EXPECT_EQ(found, 60);
}

}  // namespace
}  // namespace deliveryd::core
