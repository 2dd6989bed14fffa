// The admin pages' logins: random session values kept in memory, expiring,
// a bounded number of them.
#include <chrono>
#include <set>

#include <gtest/gtest.h>

#include "deliveryd/http/admin_sessions.hpp"

namespace deliveryd {
namespace {

TEST(AdminSessions, AnOpenedSessionIsValidUntilClosed) {
    http::AdminSessions sessions;
    const auto value = sessions.open();
    EXPECT_EQ(value.size(), 64u) << "32 random bytes as hex";
    EXPECT_TRUE(sessions.valid(value));
    EXPECT_FALSE(sessions.valid(value.substr(1)));
    EXPECT_FALSE(sessions.valid(""));
    EXPECT_FALSE(sessions.valid(std::string(64, '0')));
    sessions.close(value);
    EXPECT_FALSE(sessions.valid(value));
}

TEST(AdminSessions, EachSessionIsNew) {
    http::AdminSessions sessions;
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        EXPECT_TRUE(seen.insert(sessions.open()).second);
    }
}

TEST(AdminSessions, AnExpiredSessionIsNotValid) {
    http::AdminSessions sessions(std::chrono::seconds(0));
    EXPECT_FALSE(sessions.valid(sessions.open()));
}

TEST(AdminSessions, TheOldestGoesWhenFull) {
    http::AdminSessions sessions(std::chrono::hours(1), 2);
    const auto first = sessions.open();
    const auto second = sessions.open();
    const auto third = sessions.open();
    EXPECT_FALSE(sessions.valid(first));
    EXPECT_TRUE(sessions.valid(second));
    EXPECT_TRUE(sessions.valid(third));
}

TEST(CookieValue, FindsOneCookieAmongOthers) {
    EXPECT_EQ(http::cookie_value("a=1; deliveryd_admin=xyz; b=2", "deliveryd_admin"), "xyz");
    EXPECT_EQ(http::cookie_value("deliveryd_admin=xyz", "deliveryd_admin"), "xyz");
    EXPECT_EQ(http::cookie_value("x_deliveryd_admin=xyz", "deliveryd_admin"), "");
    EXPECT_EQ(http::cookie_value("", "deliveryd_admin"), "");
    EXPECT_EQ(http::cookie_value("a=1;b=2", "b"), "2");
}

}  // namespace
}  // namespace deliveryd
