// Message model, generation and the messages file.
#include <set>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "generator.hpp"
#include "json_writer.hpp"
#include "message_file.hpp"
#include "message_store.hpp"
#include "test_support.hpp"
#include "time_format.hpp"

namespace deliveryd::sim {
namespace {

namespace json = boost::json;
using namespace test;

const sim_time t0 = sim_time{std::chrono::sys_days{std::chrono::year{2026} / 1 / 6}};

std::vector<message> generate(std::size_t n, std::uint64_t seed) {
    generator_config g;
    g.count = n;
    g.seed = seed;
    g.start = t0;
    g.accounts = {"default", "second"};
    return generate_messages(g);
}

TEST(Generator, SameSeedSameMessages) {
    auto a = write_json(messages_to_json(generate(200, 7), t0));
    auto b = write_json(messages_to_json(generate(200, 7), t0));
    auto c = write_json(messages_to_json(generate(200, 8), t0));
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
}

TEST(Generator, OnlyTypesMakesOnlyThoseKinds) {
    generator_config g;
    g.count = 300;
    g.seed = 3;
    g.start = t0;
    g.only_types = {etelecom_type};
    for (const auto& m : generate_messages(g)) {
        EXPECT_EQ(m.provider, provider_kind::etelecom) << m.sms_id;
    }
    g.only_types = {2};
    for (const auto& m : generate_messages(g)) {
        EXPECT_EQ(m.provider, provider_kind::esms) << m.sms_id;
        EXPECT_EQ(m.type_id, 2) << m.sms_id;
    }
}

TEST(Generator, CoversEveryKindAndOutcome) {
    auto messages = generate(2000, 1);
    std::set<int> types;
    std::set<std::string> labels, oas, accounts;
    std::set<int> zalo_errors;
    bool uid = false, tail = false, sms_fallback_seen = false, etelecom = false, delivered = false,
         never = false, sent_only_zns = false, no_callback_sms = false;
    std::set<std::string> ids;
    for (const auto& m : messages) {
        EXPECT_TRUE(ids.insert(m.sms_id).second) << "duplicate " << m.sms_id;
        if (m.provider == provider_kind::etelecom) {
            etelecom = true;
        } else {
            types.insert(m.type_id);
        }
        labels.insert(std::string(to_string(final_label(m))));
        if (!m.oa_id.empty()) {
            oas.insert(m.oa_id);
        }
        accounts.insert(m.account);
        for (const auto& e : m.timeline) {
            if (e.error && e.error->code != 0) {
                zalo_errors.insert(e.error->code);
            }
        }
        uid = uid || m.uid;
        tail = tail || !m.error_tail.empty();
        sms_fallback_seen = sms_fallback_seen || m.sms.has_value();
        delivered = delivered || final_label(m) == state_label::delivered;
        never = never || m.timeline.empty();
        sent_only_zns = sent_only_zns || (m.is_zns() && final_label(m) == state_label::sent);
        no_callback_sms = no_callback_sms || (!m.callback && m.provider == provider_kind::esms);
        if (m.is_zns() && m.provider == provider_kind::esms) {
            EXPECT_TRUE(m.callback);
            EXPECT_FALSE(m.oa_id.empty());
        }
    }
    EXPECT_EQ(types, (std::set<int>{1, 2, 23, 24, 25, 26, 27}));
    EXPECT_TRUE(etelecom && uid && tail && sms_fallback_seen && delivered && never &&
                sent_only_zns && no_callback_sms);
    for (const char* label : {"waiting", "sent", "delivered", "failed", "rejected", "expired"}) {
        EXPECT_TRUE(labels.contains(label)) << label;
    }
    EXPECT_GE(oas.size(), 4U);
    EXPECT_EQ(accounts, (std::set<std::string>{"default", "second"}));
    EXPECT_TRUE(zalo_errors.contains(-114) && zalo_errors.contains(-124));
}

TEST(MessageFile, RoundTrip) {
    auto messages = generate(300, 3);
    auto text = write_json(messages_to_json(messages, t0));
    auto again = messages_from_json(json::parse(text), t0);
    EXPECT_EQ(write_json(messages_to_json(again, t0)), text);
}

TEST(MessageFile, MinimalEntriesAndAbsoluteTimes) {
    auto doc = json::parse(R"([
        {"sms_id": "a", "timeline": [{"at_ms": 1000, "send_status": 5, "success": 1}]},
        {"sms_id": "b", "provider": "etelecom", "oa_id": 2911530487364192745,
         "submitted_at": "2026-01-06T00:00:10+07:00"}
    ])");
    auto messages = messages_from_json(doc, t0);
    ASSERT_EQ(messages.size(), 2U);
    EXPECT_EQ(messages[0].type_id, 2);
    EXPECT_EQ(messages[0].account, "default");
    EXPECT_EQ(messages[0].submitted_at, t0);
    EXPECT_EQ(final_label(messages[0]), state_label::sent);
    EXPECT_EQ(messages[1].oa_id, "2911530487364192745");
    EXPECT_EQ(messages[1].submitted_at, t0 - 7h + 10s);
}

TEST(MessageFile, ErrorsNameThePath) {
    auto expect_error = [](const char* text, const char* fragment) {
        try {
            messages_from_json(json::parse(text), t0);
            ADD_FAILURE() << "accepted: " << text;
        } catch (const message_file_error& e) {
            EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
        }
    };
    expect_error(R"({"nothing": 1})", "$");
    expect_error(R"([{"sms_id": ""}])", "$.messages[0].sms_id");
    expect_error(R"([{"sms_id": "a"}, {"sms_id": "a"}])", "duplicate");
    expect_error(R"([{"sms_id": "a", "type_id": 25}])", "oa_id");
    expect_error(R"([{"sms_id": "a", "type_id": 99}])", "type_id");
    expect_error(R"([{"sms_id": "a", "timeline": [{"send_status": 3}]}])",
                 "$.messages[0].timeline[0].send_status");
}

TEST(MessageView, StatesNeverMoveBackwards) {
    message m;
    m.sms_id = "x";
    m.submitted_at = t0;
    m.timeline = {event_at(1000, 7), event_at(2000, 5, 1, 0), event_at(3000, 2)};
    EXPECT_EQ(view_at(m, t0 - 1s).exists, false);
    EXPECT_EQ(view_at(m, t0).label, state_label::submitted);
    EXPECT_EQ(view_at(m, t0 + 1s).label, state_label::sent_to_telco);
    EXPECT_EQ(view_at(m, t0 + 4s).label, state_label::sent);
    EXPECT_TRUE(is_final_for(m, state_label::sent));
}

TEST(MessageStore, CallbacksComeDueInTimeOrderOnce) {
    auto a = zns_message("a", "pa", t0);
    a.timeline = {event_at(1000, 2), event_at(3000, 5, 1, 0)};
    a.uid = true;
    a.delivered_after = milliseconds(5000);
    auto b = zns_message("b", "pb", t0);
    b.timeline = {event_at(2000, 5, 0, 1)};
    auto c = zns_message("c", "pc", t0);
    c.callback = false;
    c.timeline = {event_at(500, 5, 1, 0)};
    message_store store({a, b, c});
    EXPECT_EQ(store.callbacks_total(), 4U);
    auto first = store.take_due(t0 + 2s);
    ASSERT_EQ(first.size(), 2U);
    EXPECT_EQ(first[0].msg->sms_id, "a");
    EXPECT_EQ(first[1].msg->sms_id, "b");
    EXPECT_TRUE(store.take_due(t0 + 2s).empty());
    auto rest = store.take_due(t0 + 10s);
    ASSERT_EQ(rest.size(), 2U);
    EXPECT_FALSE(rest[0].delivery);
    EXPECT_TRUE(rest[1].delivery);
    EXPECT_EQ(store.callbacks_pending(), 0U);
}

TEST(TimeFormat, Rfc3339AndSuffix) {
    auto t = parse_rfc3339("2024-04-24T09:58:01.5Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(format_rfc3339(*t), "2024-04-24T09:58:01.500Z");
    EXPECT_EQ(format_vn_suffix(*t), "24/04/2024 16:58:01");
    EXPECT_FALSE(parse_rfc3339("2024-13-01T00:00:00Z"));
    EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
    EXPECT_EQ(parse_duration("2m"), milliseconds(120000));
    EXPECT_FALSE(parse_duration("5x"));
}

}  // namespace
}  // namespace deliveryd::sim
