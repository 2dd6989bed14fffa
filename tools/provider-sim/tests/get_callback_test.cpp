// GetCallback: truncation at 200 ids, absent ids, OA and account filtering,
// credentials and the 20 calls/s limit.
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "esms_api.hpp"
#include "test_support.hpp"

namespace deliveryd::sim {
namespace {

namespace json = boost::json;
using namespace test;

const sim_time t0 = sim_time{std::chrono::sys_days{std::chrono::year{2026} / 1 / 6}};
constexpr const char* oa = "1397492183140006179";

std::string id_of(int i) {
    return "sms-" + std::to_string(i);
}

class GetCallbackTest : public ::testing::Test {
  protected:
    GetCallbackTest() {
        std::vector<message> messages;
        for (int i = 0; i < 300; ++i) {
            auto m = zns_message(id_of(i), "p" + std::to_string(i), t0);
            m.timeline = {event_at(1000, 5, 1, 0, zalo_error{0, "Success"})};
            messages.push_back(m);
        }
        auto late = zns_message("late", "plate", t0);  // its only event is in the future
        late.timeline = {event_at(600000, 5, 1, 0)};
        messages.push_back(late);
        auto no_callback = zns_message("no-callback", "pnc", t0);
        no_callback.callback = false;
        no_callback.timeline = {event_at(1000, 5, 1, 0)};
        messages.push_back(no_callback);
        auto other_oa = zns_message("other-oa", "poa", t0);
        other_oa.oa_id = "4097311281936189049";
        other_oa.timeline = {event_at(1000, 5, 1, 0)};
        messages.push_back(other_oa);
        auto other_account = zns_message("other-account", "pacc", t0);
        other_account.account = "second";
        other_account.timeline = {event_at(1000, 5, 1, 0)};
        messages.push_back(other_account);
        store_ = std::make_unique<message_store>(std::move(messages));
        creds_.esms.push_back({"second", "key-2", "secret-2"});
    }

    json::value get_callback(const std::vector<std::string>& ids, steady_time at = {},
                             const std::string& key = "sim-api-key") {
        json::array list;
        for (const auto& id : ids) {
            list.emplace_back(id);
        }
        json::object body{{"ApiKey", key},
                          {"SecretKey", "sim-secret-key"},
                          {"ListRefid", std::move(list)},
                          {"OAId", oa}};
        auto req =
            make_request(http::verb::post, "/ZaloCallback/GetCallback", json::serialize(body));
        api_context ctx{*store_, creds_, limiter_, stats_, "", unknown_id_answer::code_105};
        auto res = handle_get_callback(ctx, req, api_time{at, t0 + 10s});
        EXPECT_EQ(res.result(), http::status::ok);
        return parse_json(res.body());
    }

    static std::vector<std::string> ids_in(const json::value& answer) {
        std::vector<std::string> ids;
        for (const auto& e : answer.at("Data_callback").as_array()) {
            ids.emplace_back(e.at("SMSID").as_string());
        }
        return ids;
    }

    std::unique_ptr<message_store> store_;
    credentials creds_;
    rate_limiter limiter_{rate_limits{}};
    sim_stats stats_;
};

TEST_F(GetCallbackTest, OnlyTheFirst200IdsAreConsidered) {
    std::vector<std::string> ids;
    for (int i = 0; i < 250; ++i) {
        ids.push_back(id_of(i));
    }
    auto answer = get_callback(ids);
    EXPECT_EQ(answer.at("Code").as_int64(), 100);
    auto got = ids_in(answer);
    ASSERT_EQ(got.size(), 200U);
    EXPECT_EQ(got.front(), id_of(0));
    EXPECT_EQ(got.back(), id_of(199));
    EXPECT_EQ(stats_.get_callback_ids.max_ids, 250U);
    EXPECT_EQ(stats_.get_callback_ids.truncated_calls, 1U);
    EXPECT_EQ(stats_.get_callback_ids.buckets.back(), 1U);  // ">200"
}

TEST_F(GetCallbackTest, ExactlyTwoHundredIdsAreAllAnswered) {
    std::vector<std::string> ids;
    for (int i = 100; i < 300; ++i) {
        ids.push_back(id_of(i));
    }
    EXPECT_EQ(ids_in(get_callback(ids)).size(), 200U);
    EXPECT_EQ(stats_.get_callback_ids.truncated_calls, 0U);
}

TEST_F(GetCallbackTest, IdsWithoutAStoredCallbackAreAbsent) {
    auto answer = get_callback(
        {"unknown", "late", "no-callback", "other-oa", "other-account", id_of(7), id_of(7)});
    EXPECT_EQ(ids_in(answer), std::vector<std::string>{id_of(7)});
}

TEST_F(GetCallbackTest, WrongKeyIsCode101) {
    auto answer = get_callback({id_of(1)}, {}, "wrong");
    EXPECT_EQ(answer.at("Code").as_int64(), 101);
    EXPECT_EQ(stats_.auth_failures[static_cast<std::size_t>(endpoint::get_callback)], 1U);
}

TEST_F(GetCallbackTest, TwentyFirstCallWithinOneSecondIsRefused) {
    steady_time start{std::chrono::hours(1)};
    for (int i = 0; i < 20; ++i) {
        auto answer = get_callback({id_of(1)}, start + std::chrono::milliseconds(i * 45));
        ASSERT_EQ(answer.at("Code").as_int64(), 100) << "call " << i;
    }
    auto refused = get_callback({id_of(1)}, start + std::chrono::milliseconds(999));
    EXPECT_EQ(refused.at("Code").as_int64(), 160);
    EXPECT_TRUE(refused.at("Data_callback").is_null());
    // The first call leaves the window at start + 1 s.
    auto later = get_callback({id_of(1)}, start + std::chrono::milliseconds(1000));
    EXPECT_EQ(later.at("Code").as_int64(), 100);
    EXPECT_EQ(limiter_.violations(), 1U);
}

TEST_F(GetCallbackTest, UnreadableBodyIsInvalidRequest) {
    auto req = make_request(http::verb::post, "/ZaloCallback/GetCallback", "{not json");
    api_context ctx{*store_, creds_, limiter_, stats_, "", unknown_id_answer::code_105};
    auto res = handle_get_callback(ctx, req, api_time{{}, t0});
    EXPECT_EQ(res.result(), http::status::bad_request);
    EXPECT_EQ(parse_json(res.body()).at("error").as_string(), "Invalid request");
}

}  // namespace
}  // namespace deliveryd::sim
