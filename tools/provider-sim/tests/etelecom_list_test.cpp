// eTelecom ListMessages: paging with the cursor, the filters, the limit's
// default and cap, its errors and its rate limit.
#include <limits>

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "etelecom_api.hpp"
#include "fault_responses.hpp"
#include "router.hpp"
#include "test_support.hpp"

namespace deliveryd::sim {
namespace {

namespace json = boost::json;
using namespace test;

// 2026-01-06T00:00:00Z, 07:00 in Vietnam.
const sim_time t0 = sim_time{std::chrono::sys_days{std::chrono::year{2026} / 1 / 6}};
const std::string oa_a = "1111111111111111111";
const std::string oa_b = "2222222222222222222";

message etelecom(std::string msg_id, std::string oa_id, sim_time submitted) {
    message m;
    m.sms_id = std::move(msg_id);
    m.provider = provider_kind::etelecom;
    m.type_id = 0;
    m.oa_id = std::move(oa_id);
    m.phone = "0901888484";
    m.template_id = "228386";
    m.submitted_at = submitted;
    return m;
}

// updated_at at t0 + 1 min: a-2 and a-3 t0+2s, a-4 t0+4s, a-1 t0+30s (the
// delivery), b-1 t0+1s. a-5 is submitted later; zns-1 is eSMS's.
std::vector<message> list_messages() {
    auto delivered = etelecom("a-1", oa_a, t0);
    delivered.timeline = {event_at(1000, 5, 1, 0, zalo_error{0, "Success"})};
    delivered.delivered_after = milliseconds(30000);

    auto failed = etelecom("a-2", oa_a, t0 + 1s);
    failed.timeline = {event_at(1000, 5, 0, 1, zalo_error{-118, "Zalo account does not exist"})};

    auto no_status = etelecom("a-3", oa_a, t0 + 2s);

    auto accepted = etelecom("a-4", oa_a, t0 + 3s);
    accepted.timeline = {event_at(1000, 5, 1, 0, zalo_error{0, "Success"})};

    auto later = etelecom("a-5", oa_a, t0 + 10min);

    auto other_oa = etelecom("b-1", oa_b, t0);
    other_oa.timeline = {event_at(1000, 5, 1, 0, zalo_error{0, "Success"})};

    auto esms = zns_message("zns-1", "e1a60e8890be9de4c4ab", t0);
    esms.oa_id = oa_a;
    esms.timeline = {event_at(1000, 5, 1, 0, zalo_error{0, "Success"})};
    return {delivered, failed, no_status, accepted, later, other_oa, esms};
}

class ListMessagesTest : public ::testing::Test {
  protected:
    ListMessagesTest() : state_(list_messages(), clock_) {}

    json::value send(const http_request& req, sim_time now) {
        auto routed = route(state_, req, api_time{steady_, now});
        last_status_ = routed.response.result();
        return parse_json(routed.response.body());
    }

    // One call a second is the limit: each call comes 2 s after the last.
    json::value list(const json::object& body, sim_time now,
                     const std::string& key = "sim-etelecom-key") {
        steady_ += 2s;
        auto req =
            make_request(http::verb::post, "/v1/shop.Zalo/ListMessages", json::serialize(body));
        req.set(http::field::authorization, "Bearer " + key);
        return send(req, now);
    }

    // Every page of `filter` from the first, `limit` per page: the msg_ids in
    // the order listed. Fails the test on an error or more than 20 pages.
    std::vector<std::string> all_pages(const json::object& filter, int limit, sim_time now) {
        std::vector<std::string> ids;
        std::string after;
        for (int page = 0; page < 20; ++page) {
            auto answer = list(
                json::object{{"filter", filter}, {"paging", {{"limit", limit}, {"after", after}}}},
                now);
            EXPECT_EQ(last_status_, http::status::ok) << json::serialize(answer);
            if (last_status_ != http::status::ok) {
                return ids;
            }
            for (const auto& m : answer.at("messages").as_array()) {
                ids.emplace_back(m.at("msg_id").as_string());
            }
            after = answer.at("paging").at("next").as_string();
            if (after.empty()) {
                return ids;
            }
        }
        ADD_FAILURE() << "more than 20 pages";
        return ids;
    }

    static std::vector<std::string> ids_of(const json::value& answer) {
        std::vector<std::string> ids;
        for (const auto& m : answer.at("messages").as_array()) {
            ids.emplace_back(m.at("msg_id").as_string());
        }
        return ids;
    }

    manual_clock clock_{t0};
    sim_state state_;
    steady_time steady_{std::chrono::hours(1)};
    http::status last_status_{};
};

using ids = std::vector<std::string>;

TEST_F(ListMessagesTest, ListsEveryMessageOfAnOaOnceInOrderAcrossPages) {
    const json::object filter{{"oa_id", oa_a}};
    // Ties on updated_at (a-2 and a-3) go by msg_id.
    const ids expected{"a-2", "a-3", "a-4", "a-1"};
    for (int limit : {1, 2, 3, 4, 100}) {
        EXPECT_EQ(all_pages(filter, limit, t0 + 1min), expected) << "limit " << limit;
    }

    auto first = list(json::object{{"filter", filter}, {"paging", {{"limit", 2}}}}, t0 + 1min);
    ASSERT_EQ(last_status_, http::status::ok) << json::serialize(first);
    EXPECT_EQ(ids_of(first), (ids{"a-2", "a-3"}));
    const auto& paging = first.at("paging");
    EXPECT_EQ(paging.at("limit").to_number<std::int64_t>(), 2);
    EXPECT_EQ(paging.at("prev").as_string(), "");
    EXPECT_EQ(paging.at("sort").as_string(), "updated_at");
    EXPECT_EQ(paging.at("next"), paging.at("after"));
    auto before = decode_list_cursor(paging.at("before").as_string());
    auto after = decode_list_cursor(paging.at("after").as_string());
    ASSERT_TRUE(before && after);
    EXPECT_EQ(before->msg_id, "a-2");
    EXPECT_EQ(after->msg_id, "a-3");
    EXPECT_EQ(after->micros, (t0 + 2s).time_since_epoch().count() * 1000);

    // The last page: nothing follows its last entry.
    auto last = list(
        json::object{{"filter", filter}, {"paging", {{"limit", 2}, {"after", paging.at("next")}}}},
        t0 + 1min);
    EXPECT_EQ(ids_of(last), (ids{"a-4", "a-1"}));
    EXPECT_EQ(last.at("paging").at("next").as_string(), "");
    EXPECT_FALSE(last.at("paging").at("after").as_string().empty());
}

TEST_F(ListMessagesTest, EntriesAreGetMessageObjects) {
    auto answer = list(json::object{{"filter", {{"oa_id", oa_a}}}}, t0 + 1min);
    ASSERT_EQ(last_status_, http::status::ok) << json::serialize(answer);
    for (const auto& entry : answer.at("messages").as_array()) {
        const auto* m = state_.store.find(std::string(entry.at("msg_id").as_string()));
        ASSERT_NE(m, nullptr);
        EXPECT_EQ(entry, json::value(etelecom_message_body(*m, t0 + 1min)));
    }
    EXPECT_EQ(answer.at("messages").at(3).at("delivery_status").as_string(), "received");
}

TEST_F(ListMessagesTest, OaFilterAndOnlySubmittedEtelecomMessages) {
    EXPECT_EQ(all_pages({{"oa_id", oa_b}}, 10, t0 + 1min), (ids{"b-1"}));
    // An OA id sent as a number is the same OA.
    EXPECT_EQ(all_pages({{"oa_id", 1111111111111111111}}, 10, t0 + 1min),
              (ids{"a-2", "a-3", "a-4", "a-1"}));
    // No OA: every eTelecom OA, never eSMS's zns-1; a-5 once submitted.
    EXPECT_EQ(all_pages({}, 10, t0 + 1min), (ids{"b-1", "a-2", "a-3", "a-4", "a-1"}));
    EXPECT_EQ(all_pages({{"oa_id", ""}}, 10, t0 + 11min),
              (ids{"b-1", "a-2", "a-3", "a-4", "a-1", "a-5"}));
    EXPECT_TRUE(all_pages({{"oa_id", "3333"}}, 10, t0 + 1min).empty());
}

TEST_F(ListMessagesTest, DatesFilterUpdatedTimeOrRequestTime) {
    // a-1 was created at t0 and delivered at t0+30s.
    const auto late = [](std::string time_type) {
        return json::object{{"oa_id", oa_a},
                            {"date_from", "2026-01-06T07:00:20+07:00"},
                            {"time_type", std::move(time_type)}};
    };
    EXPECT_EQ(all_pages(late("updated_time"), 10, t0 + 1min), (ids{"a-1"}));
    EXPECT_EQ(all_pages(late(""), 10, t0 + 1min), (ids{"a-1"}));
    EXPECT_EQ(all_pages(late("unknown"), 10, t0 + 1min), (ids{"a-1"}));
    EXPECT_TRUE(all_pages(late("request_time"), 10, t0 + 1min).empty());
    EXPECT_TRUE(all_pages(late("submit_time"), 10, t0 + 1min).empty());

    // Both bounds are inclusive, to the millisecond.
    const json::object early{{"date_from", "2026-01-06T00:00:00Z"},
                             {"date_to", "2026-01-06T00:00:01.000Z"}};
    EXPECT_EQ(all_pages(early, 10, t0 + 1min), (ids{"b-1"}));  // updated_at t0+1s
    auto by_creation = early;
    by_creation["time_type"] = "request_time";
    EXPECT_EQ(all_pages(by_creation, 10, t0 + 1min), (ids{"a-1", "b-1", "a-2"}));
    // Creation order, then msg_id.
    by_creation.erase("date_to");
    EXPECT_EQ(all_pages(by_creation, 10, t0 + 1min), (ids{"a-1", "b-1", "a-2", "a-3", "a-4"}));

    EXPECT_EQ(all_pages({{"date_to", "2026-01-05T23:59:59.999-00:00"}}, 10, t0 + 1min), ids{});
}

TEST_F(ListMessagesTest, UpdatedTimeIsTakenAtEachCallSoAChangedMessageComesAgainLater) {
    const json::object filter{{"oa_id", oa_a}};
    // At t0+10s a-1 is accepted (t0+1s) but not yet on the phone.
    auto first = list(json::object{{"filter", filter}, {"paging", {{"limit", 2}}}}, t0 + 10s);
    EXPECT_EQ(ids_of(first), (ids{"a-1", "a-2"}));
    // By t0+1min its delivery moved it past the cursor.
    auto rest =
        list(json::object{{"filter", filter},
                          {"paging", {{"limit", 10}, {"after", first.at("paging").at("next")}}}},
             t0 + 1min);
    EXPECT_EQ(ids_of(rest), (ids{"a-3", "a-4", "a-1"}));
    EXPECT_EQ(rest.at("paging").at("next").as_string(), "");
    EXPECT_EQ(rest.at("messages").at(2).at("updated_at").as_string(), "2026-01-06T00:00:30.000Z");
}

TEST_F(ListMessagesTest, LimitHasADefaultAndACap) {
    auto limit_of = [&](json::value limit) {
        auto answer = list(json::object{{"paging", {{"limit", std::move(limit)}}}}, t0 + 1min);
        EXPECT_EQ(last_status_, http::status::ok) << json::serialize(answer);
        return answer.at("paging").at("limit").to_number<std::int64_t>();
    };
    EXPECT_EQ(limit_of(nullptr), 20);
    EXPECT_EQ(limit_of(0), 20);
    EXPECT_EQ(limit_of(7), 7);
    EXPECT_EQ(limit_of("7"), 7);  // protobuf JSON may quote an integer
    EXPECT_EQ(limit_of(100), 100);
    EXPECT_EQ(limit_of(101), 100);
    EXPECT_EQ(limit_of(std::numeric_limits<std::uint64_t>::max()), 100);
    EXPECT_EQ(list(json::object{}, t0 + 1min).at("paging").at("limit").to_number<std::int64_t>(),
              20);

    // --list-messages-max-limit 3: larger limits, the default included, are cut to 3.
    state_.list_messages_max_limit = 3;
    EXPECT_EQ(limit_of(nullptr), 3);
    EXPECT_EQ(limit_of(1000), 3);
    auto capped = list(json::object{{"paging", {{"limit", 1000}}}}, t0 + 1min);
    EXPECT_EQ(ids_of(capped), (ids{"b-1", "a-2", "a-3"}));
    EXPECT_FALSE(capped.at("paging").at("next").as_string().empty());
    EXPECT_EQ(all_pages({}, 1000, t0 + 1min), (ids{"b-1", "a-2", "a-3", "a-4", "a-1"}));
}

TEST_F(ListMessagesTest, EmptyResult) {
    auto answer = list(json::object{{"filter", {{"oa_id", "3333"}}}}, t0 + 1min);
    ASSERT_EQ(last_status_, http::status::ok);
    EXPECT_TRUE(answer.at("messages").as_array().empty());
    for (const char* cursor : {"after", "before", "next", "prev"}) {
        EXPECT_EQ(answer.at("paging").at(cursor).as_string(), "") << cursor;
    }
    EXPECT_EQ(answer.at("paging").at("limit").to_number<std::int64_t>(), 20);
}

TEST_F(ListMessagesTest, ErrorsAreTwirpShaped) {
    auto answer = list(json::object{}, t0 + 1min, "wrong");
    EXPECT_EQ(last_status_, http::status::unauthorized);
    EXPECT_EQ(answer.at("code").as_string(), "unauthenticated");
    EXPECT_EQ(answer.as_object().size(), 2U);

    steady_ += 2s;
    auto plain = make_request(http::verb::post, "/v1/shop.Zalo/ListMessages", "{}", "text/plain");
    plain.set(http::field::authorization, "Bearer sim-etelecom-key");
    EXPECT_EQ(send(plain, t0 + 1min).at("code").as_string(), "bad_route");
    EXPECT_EQ(last_status_, http::status::not_found);

    steady_ += 2s;
    auto unreadable = make_request(http::verb::post, "/v1/shop.Zalo/ListMessages", "{\"filter\":");
    unreadable.set(http::field::authorization, "Bearer sim-etelecom-key");
    EXPECT_EQ(send(unreadable, t0 + 1min).at("code").as_string(), "invalid_argument");
    EXPECT_EQ(last_status_, http::status::bad_request);

    const std::vector<json::object> bad{
        {{"filter", "oa"}},
        {{"paging", 20}},
        {{"filter", {{"date_from", "2026-01-06 07:00"}}}},
        {{"filter", {{"date_to", "yesterday"}}}},
        {{"filter", {{"date_from", 1767657600}}}},
        {{"filter", {{"time_type", "created_time"}}}},
        {{"filter", {{"time_type", 1}}}},
        {{"paging", {{"limit", -1}}}},
        {{"paging", {{"limit", 2.5}}}},
        {{"paging", {{"limit", "ten"}}}},
        {{"paging", {{"after", "not a cursor"}}}},
        {{"paging", {{"after", "616263"}}}},  // hex of "abc": no "|"
        {{"paging", {{"after", 5}}}},
    };
    for (const auto& body : bad) {
        auto refused = list(body, t0 + 1min);
        EXPECT_EQ(last_status_, http::status::bad_request) << json::serialize(body);
        EXPECT_EQ(refused.at("code").as_string(), "invalid_argument") << json::serialize(body);
        EXPECT_FALSE(refused.at("msg").as_string().empty());
    }

    auto stats = stats_json(state_, t0);
    const auto& ep = stats.at("endpoints").at("ListMessages");
    EXPECT_EQ(ep.at("auth_failures").to_number<std::uint64_t>(), 1U);
    EXPECT_EQ(ep.at("bad_requests").to_number<std::uint64_t>(), bad.size() + 2);
    EXPECT_EQ(stats.at("list_messages_pages").to_number<std::uint64_t>(), 0U);

    send(make_request(http::verb::get, "/v1/shop.Zalo/ListMessages"), t0);
    EXPECT_EQ(last_status_, http::status::method_not_allowed);
}

TEST_F(ListMessagesTest, OneCallASecondPerKeyAndPagesCounted) {
    const json::object body{{"filter", {{"oa_id", oa_a}}}};
    list(body, t0 + 1min);
    ASSERT_EQ(last_status_, http::status::ok);
    // A second call within the same second.
    auto req = make_request(http::verb::post, "/v1/shop.Zalo/ListMessages", "{}");
    req.set(http::field::authorization, "Bearer sim-etelecom-key");
    auto refused = route(state_, req, api_time{steady_ + 999ms, t0 + 1min});
    EXPECT_EQ(refused.response.result(), http::status::too_many_requests);
    EXPECT_EQ(parse_json(refused.response.body()).at("code").as_string(), "resource_exhausted");
    ASSERT_TRUE(refused.provider.has_value());
    EXPECT_EQ(*refused.provider, endpoint::etelecom_list_messages);

    list(body, t0 + 1min);  // 2 s later
    EXPECT_EQ(last_status_, http::status::ok);

    auto stats = stats_json(state_, t0);
    const auto& ep = stats.at("endpoints").at("ListMessages");
    EXPECT_EQ(ep.at("limit").to_number<std::int64_t>(), 1);
    const auto& key = ep.at("keys").at("sim-etelecom-key");
    EXPECT_EQ(key.at("calls").to_number<std::uint64_t>(), 3U);
    EXPECT_EQ(key.at("violations").to_number<std::uint64_t>(), 1U);
    EXPECT_EQ(key.at("max_calls_in_1s").to_number<std::uint64_t>(), 2U);
    EXPECT_EQ(stats.at("violations").to_number<std::uint64_t>(), 1U);
    EXPECT_EQ(stats.at("list_messages_pages").to_number<std::uint64_t>(), 2U);
    // GetMessage's window is its own.
    EXPECT_TRUE(stats.at("endpoints").at("GetMessage").at("keys").as_object().empty());
}

TEST(ListCursor, RoundTripsAndRefusesOtherText) {
    const list_position p{1767657602000000, "msg|with|bars"};
    const auto cursor = encode_list_cursor(p);
    EXPECT_EQ(cursor.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(decode_list_cursor(cursor), p);
    EXPECT_EQ(encode_list_cursor({5, "a"}), "357c61");  // "5|a"
    EXPECT_EQ(decode_list_cursor("2d357c61"), (list_position{-5, "a"}));

    for (const char* text : {"", "3", "357", "357g61", "7c61", "787c61", "35207c61", "2b357c61"}) {
        EXPECT_FALSE(decode_list_cursor(text).has_value()) << text;
    }
}

TEST(ListFaults, TwirpShapedAndOnByDefault) {
    auto req = make_request(http::verb::post, "/v1/shop.Zalo/ListMessages", "{}");
    auto internal = error_5xx_response(endpoint::etelecom_list_messages, req);
    EXPECT_EQ(internal.result(), http::status::internal_server_error);
    EXPECT_EQ(parse_json(internal.body()).at("code").as_string(), "internal");
    auto unavailable = bad_code_response(endpoint::etelecom_list_messages, req);
    EXPECT_EQ(unavailable.result(), http::status::service_unavailable);
    EXPECT_EQ(parse_json(unavailable.body()).at("code").as_string(), "unavailable");

    fault_config config;
    EXPECT_TRUE(config.applies_to(endpoint::etelecom_list_messages));
    EXPECT_EQ(update_faults(config, json::object{{"endpoints", json::array{"ListMessages"}}}), "");
    EXPECT_TRUE(config.applies_to(endpoint::etelecom_list_messages));
    EXPECT_FALSE(config.applies_to(endpoint::etelecom_message));
}

}  // namespace
}  // namespace deliveryd::sim
