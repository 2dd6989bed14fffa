// Command-line parsing.
#include "options.hpp"

#include <gtest/gtest.h>

#include "generator.hpp"

namespace deliveryd::sim {
namespace {

TEST(Options, DefaultsMatchTheDocs) {
    auto o = parse_options({});
    EXPECT_EQ(o.listen_host, "127.0.0.1");
    EXPECT_EQ(o.listen_port, 18080);
    ASSERT_EQ(o.creds.esms.size(), 1U);
    EXPECT_EQ(o.creds.esms[0].api_key, "sim-api-key");
    EXPECT_EQ(o.creds.esms[0].secret_key, "sim-secret-key");
    EXPECT_EQ(o.creds.etelecom_key, "sim-etelecom-key");
    EXPECT_EQ(o.limits.get_callback, 20);
    EXPECT_EQ(o.limits.zalo_status, 30);
    EXPECT_EQ(o.limits.get_send_status, 10);
    EXPECT_EQ(o.limits.etelecom_message, 10);
    EXPECT_EQ(o.limits.etelecom_list_messages, 1);
    EXPECT_EQ(o.list_messages_max_limit, 100U);
    EXPECT_EQ(o.callbacks.attempts, 5);
    EXPECT_EQ(o.unknown_id, unknown_id_answer::code_105);
}

TEST(Options, ParsesEveryKind) {
    auto o = parse_options({"--listen",
                            "127.0.0.1:0",
                            "--account",
                            "a:k1:s1",
                            "--account=b:k2:s2",
                            "--time-scale",
                            "60",
                            "--drop-callbacks",
                            "0.3",
                            "--fault-5xx=0.1",
                            "--latency",
                            "20ms",
                            "--latency-jitter",
                            "1s",
                            "--callback-retry-delay",
                            "250ms",
                            "--start-time",
                            "2026-01-06T00:00:00Z",
                            "--no-etelecom-messages",
                            "--send-status-tps",
                            "0",
                            "--unknown-id-code",
                            "101"});
    EXPECT_EQ(o.listen_port, 0);
    ASSERT_EQ(o.creds.esms.size(), 2U);
    EXPECT_EQ(o.creds.esms[1].name, "b");
    EXPECT_EQ(o.creds.esms[1].secret_key, "s2");
    EXPECT_EQ(o.time_scale, 60);
    EXPECT_EQ(o.drop_callbacks, 0.3);
    EXPECT_EQ(o.faults.error_5xx, 0.1);
    EXPECT_EQ(o.faults.latency, milliseconds(20));
    EXPECT_EQ(o.faults.latency_jitter, milliseconds(1000));
    EXPECT_EQ(o.callbacks.retry_delay, milliseconds(250));
    EXPECT_TRUE(o.start_time.has_value());
    EXPECT_FALSE(o.etelecom_messages);
    EXPECT_EQ(o.limits.get_send_status, 0);
    EXPECT_EQ(o.unknown_id, unknown_id_answer::code_101);
    EXPECT_EQ(parse_options({"--unknown-id-code=105"}).unknown_id, unknown_id_answer::code_105);
}

TEST(Options, ListMessagesLimits) {
    auto o = parse_options({"--list-messages-tps", "5", "--list-messages-max-limit=250"});
    EXPECT_EQ(o.limits.etelecom_list_messages, 5);
    EXPECT_EQ(o.list_messages_max_limit, 250U);
    EXPECT_EQ(parse_options({"--list-messages-tps=0"}).limits.etelecom_list_messages, 0);
    EXPECT_EQ(parse_options({"--list-messages-max-limit", "1"}).list_messages_max_limit, 1U);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"--list-messages-tps", "-1"},
          {"--list-messages-tps", "fast"},
          {"--list-messages-max-limit", "0"},
          {"--list-messages-max-limit", "-5"},
          {"--list-messages-max-limit"}}) {
        EXPECT_THROW(parse_options(args), options_error) << args[0] << " " << args.size();
    }
    const auto help = usage();
    EXPECT_NE(help.find("--list-messages-tps N"), std::string::npos);
    EXPECT_NE(help.find("--list-messages-max-limit N"), std::string::npos);
}

TEST(Options, OnlyTypesNamesEtelecomByWord) {
    EXPECT_EQ(parse_options({"--only-types", "24,25"}).only_types, (std::vector<int>{24, 25}));
    EXPECT_EQ(parse_options({"--only-types", "etelecom,2"}).only_types,
              (std::vector<int>{etelecom_type, 2}));
    EXPECT_THROW(parse_options({"--only-types", "3"}), options_error);
    EXPECT_THROW(parse_options({"--only-types", "etelecoms"}), options_error);
}

TEST(Options, RejectsBadInput) {
    for (const std::vector<std::string>& args : {std::vector<std::string>{"--nope"},
                                                 {"--listen", "127.0.0.1"},
                                                 {"--account", "a:b"},
                                                 {"--drop-callbacks", "1.5"},
                                                 {"--time-scale", "0"},
                                                 {"--latency", "5 parsecs"},
                                                 {"--fault-reset", "0.6", "--fault-timeout", "0.6"},
                                                 {"--seed"},
                                                 {"--unknown-id-code", "102"},
                                                 {"--unknown-id-code", "x"},
                                                 {"--account", "a:k:s", "--account", "a:k2:s2"}}) {
        EXPECT_THROW(parse_options(args), options_error) << args[0];
    }
}

}  // namespace
}  // namespace deliveryd::sim
