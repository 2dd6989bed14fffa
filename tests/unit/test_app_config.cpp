// Configuration: parsing, defaults, ${VAR} interpolation, validation, redaction.
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "deliveryd/app/config.hpp"

#include "app/config_keys.hpp"

namespace deliveryd::app {
namespace {

using namespace std::chrono_literals;

std::optional<std::string> fake_env(const std::string& name) {
    static const std::map<std::string, std::string> env{
        {"ESMS_API_KEY", "api-key-SECRET-1"},
        {"ESMS_SECRET_KEY", "secret-key-SECRET-2"},
        {"TOKEN", "token-SECRET-3"},
        {"DB_PASSWORD", "db-SECRET-4"},
        {"ETELECOM_API_KEY", "etelecom-SECRET-5"},
    };
    const auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional(it->second);
}

const char* const full_config = R"(
database:
  url: postgresql://deliveryd:${DB_PASSWORD}@127.0.0.1:5432/deliveryd
  pool_size: 4
http:
  listen: 0.0.0.0:8080
  callback_path: /callback/esms
  callback_token: ${TOKEN}
  allow_cidrs: [10.0.0.0/8, 127.0.0.1/32]
esms:
  api_base: http://rest.esms.vn
  callback_api_base: https://status-sms.esms.vn
  accounts:
    - name: default
      api_key: ${ESMS_API_KEY}
      secret_key: ${ESMS_SECRET_KEY}
      get_callback_tps: 20
      zalo_status_tps: 30
      send_status_tps: 10
etelecom:
  base_url: https://api.etelecom.vn/v1/shop
  api_key: ${ETELECOM_API_KEY}
  get_message_tps: 10
reconcile:
  grace: 2m
  backoff: [2m, 5m, 15m, 1h, 6h, 24h]
  window: 7d
  tick: 250ms
log:
  level: debug
  format: json
)";

// Parses `yaml` expecting failure; returns the problems.
std::vector<std::string> problems_of(const std::string& yaml) {
    try {
        (void)parse_config(yaml, &fake_env);
    } catch (const ConfigError& e) {
        return e.problems();
    }
    ADD_FAILURE() << "expected a ConfigError for:\n" << yaml;
    return {};
}

// True when exactly one problem was found and it names `key` and says `what`.
::testing::AssertionResult one_problem(const std::string& yaml, const std::string& key,
                                       const std::string& what) {
    const auto problems = problems_of(yaml);
    if (problems.size() != 1) {
        std::string all;
        for (const auto& p : problems) {
            all += "\n  " + p;
        }
        return ::testing::AssertionFailure() << problems.size() << " problems:" << all;
    }
    if (problems[0].rfind(key + ":", 0) != 0 || problems[0].find(what) == std::string::npos) {
        return ::testing::AssertionFailure() << "got: " << problems[0];
    }
    return ::testing::AssertionSuccess();
}

constexpr const char* minimal = "database:\n  url: postgresql://x@127.0.0.1/db\n";

TEST(Config, ReadsEveryDocumentedKey) {
    const auto c = parse_config(full_config, &fake_env);
    EXPECT_EQ(c.database.url, "postgresql://deliveryd:db-SECRET-4@127.0.0.1:5432/deliveryd");
    EXPECT_EQ(c.database.pool_size, 4);
    EXPECT_EQ(c.http.listen, "0.0.0.0:8080");
    EXPECT_EQ(c.http.callback_path, "/callback/esms");
    EXPECT_EQ(c.http.callback_token, "token-SECRET-3");
    EXPECT_EQ(c.http.allow_cidrs, (std::vector<std::string>{"10.0.0.0/8", "127.0.0.1/32"}));
    ASSERT_EQ(c.esms.accounts.size(), 1u);
    EXPECT_EQ(c.esms.accounts[0].name, "default");
    EXPECT_EQ(c.esms.accounts[0].api_key, "api-key-SECRET-1");
    EXPECT_EQ(c.esms.accounts[0].secret_key, "secret-key-SECRET-2");
    EXPECT_EQ(c.esms.accounts[0].get_callback_tps, 20);
    EXPECT_EQ(c.esms.accounts[0].zalo_status_tps, 30);
    EXPECT_EQ(c.esms.accounts[0].send_status_tps, 10);
    ASSERT_TRUE(c.etelecom.has_value());
    EXPECT_EQ(c.etelecom->api_key, "etelecom-SECRET-5");
    EXPECT_EQ(c.reconcile.grace, 2min);
    EXPECT_EQ(c.reconcile.backoff, (std::vector<Duration>{2min, 5min, 15min, 1h, 6h, 24h}));
    EXPECT_EQ(c.reconcile.window, 7 * 24h);
    EXPECT_EQ(c.reconcile.tick, 250ms);
    EXPECT_EQ(c.log.level, "debug");
    EXPECT_EQ(c.log.format, "json");
}

TEST(Config, FillsDefaultsForEverythingButTheDatabase) {
    const auto c = parse_config(minimal, &fake_env);
    EXPECT_EQ(c.http.listen, "0.0.0.0:8080");
    EXPECT_EQ(c.http.callback_path, "/callback/esms");
    EXPECT_FALSE(c.http.callback_token.has_value());
    EXPECT_EQ(c.esms.api_base, "http://rest.esms.vn");
    EXPECT_EQ(c.esms.callback_api_base, "https://status-sms.esms.vn");
    EXPECT_TRUE(c.esms.accounts.empty());
    EXPECT_FALSE(c.etelecom.has_value());
    EXPECT_EQ(c.reconcile.grace, 2min);
    EXPECT_EQ(c.reconcile.window, 7 * 24h);
    EXPECT_EQ(c.log.format, "text");
}

TEST(Config, AccountLimitsDefaultToTheProviderLimits) {
    const auto c = parse_config(std::string(minimal) +
                                    "esms:\n  accounts:\n    - {name: a, api_key: k, "
                                    "secret_key: s}\n",
                                &fake_env);
    EXPECT_EQ(c.esms.accounts.at(0).get_callback_tps, 20);
    EXPECT_EQ(c.esms.accounts.at(0).zalo_status_tps, 30);
}

TEST(Config, InterpolatesEnvironmentVariablesAnywhereInAValue) {
    const auto c = parse_config(
        "database:\n  url: \"host=pre-${TOKEN}-mid-${ESMS_API_KEY}-post\"\n"
        "http:\n  callback_path: /cb/${UNSET_VAR:-fallback}\n"
        "log:\n  level: ${UNSET_LEVEL:-warn}\n",
        &fake_env);
    EXPECT_EQ(c.database.url, "host=pre-token-SECRET-3-mid-api-key-SECRET-1-post");
    EXPECT_EQ(c.http.callback_path, "/cb/fallback");
    EXPECT_EQ(c.log.level, "warn");
}

TEST(Config, DoubleDollarIsALiteralDollar) {
    const auto c = parse_config("database:\n  url: \"dbname=a$${NOT_A_VAR}\"\n", &fake_env);
    EXPECT_EQ(c.database.url, "dbname=a${NOT_A_VAR}");
}

TEST(Config, MissingEnvironmentVariableNamesKeyAndVariable) {
    EXPECT_TRUE(one_problem(std::string(minimal) + "http:\n  callback_token: ${NOPE}\n",
                            "http.callback_token", "environment variable NOPE is not set"));
}

TEST(Config, MissingRequiredKeys) {
    EXPECT_TRUE(one_problem("http:\n  listen: 0.0.0.0:1\n", "database", "missing"));
    EXPECT_TRUE(one_problem("database:\n  pool_size: 3\n", "database.url", "missing required key"));
    EXPECT_TRUE(
        one_problem(std::string(minimal) + "esms:\n  accounts:\n    - {name: a, secret_key: s}\n",
                    "esms.accounts[0].api_key", "missing required key"));
    EXPECT_TRUE(one_problem(std::string(minimal) + "etelecom:\n  get_message_tps: 3\n",
                            "etelecom.api_key", "missing required key"));
}

TEST(Config, UnknownKeysAreErrors) {
    EXPECT_TRUE(one_problem(std::string(minimal) + "http:\n  listn: 0.0.0.0:1\n", "http.listn",
                            "unknown key"));
    EXPECT_TRUE(one_problem(std::string(minimal) + "extra: 1\n", "extra", "unknown key"));
    EXPECT_TRUE(one_problem(std::string(minimal) +
                                "esms:\n  accounts:\n    - {name: a, api_key: k, secret_key: "
                                "s, tps: 3}\n",
                            "esms.accounts[0].tps", "unknown key"));
}

TEST(Config, WrongTypes) {
    EXPECT_TRUE(
        one_problem("database:\n  url: [a, b]\n", "database.url", "expected a single value"));
    EXPECT_TRUE(one_problem(std::string(minimal) + "http: 5\n", "http", "expected a map"));
    EXPECT_TRUE(one_problem(std::string(minimal) + "reconcile:\n  backoff: 5m\n",
                            "reconcile.backoff", "expected a list"));
    EXPECT_TRUE(one_problem(std::string(minimal) + "http:\n  max_connections: lots\n",
                            "http.max_connections", "expected an integer"));
    EXPECT_TRUE(one_problem(std::string(minimal) +
                                "esms:\n  accounts:\n    - {name: a, api_key: k, secret_key: "
                                "s, zalo_status_tps: fast}\n",
                            "esms.accounts[0].zalo_status_tps", "expected a number"));
}

TEST(Config, BadDurations) {
    for (const auto* bad : {"5", "5x", "m5", "-5s", "1.5s", "", "5 s", "99999999999999d"}) {
        EXPECT_TRUE(one_problem(std::string(minimal) + "reconcile:\n  grace: \"" + bad + "\"\n",
                                "reconcile.grace", "bad duration"))
            << bad;
    }
    EXPECT_TRUE(one_problem(std::string(minimal) + "reconcile:\n  backoff: [1m, soon]\n",
                            "reconcile.backoff[1]", "bad duration"));
    EXPECT_TRUE(one_problem(std::string(minimal) + "reconcile:\n  tick: 0s\n", "reconcile.tick",
                            "longer than 0"));
}

TEST(Config, RatesAreNotNegative) {
    for (const auto* bad : {"-1", "-0.5"}) {
        EXPECT_TRUE(one_problem(std::string(minimal) +
                                    "esms:\n  accounts:\n    - {name: a, api_key: k, "
                                    "secret_key: s, get_callback_tps: " +
                                    bad + "}\n",
                                "esms.accounts[0].get_callback_tps", "must be >= 0"))
            << bad;
    }
    EXPECT_TRUE(
        one_problem(std::string(minimal) + "etelecom:\n  api_key: k\n  get_message_tps: -2\n",
                    "etelecom.get_message_tps", "must be >= 0"));
}

TEST(Config, ARateOfZeroTurnsTheApiOff) {
    const auto c =
        parse_config(std::string(minimal) +
                         "esms:\n  accounts:\n    - {name: a, api_key: k, secret_key: s, "
                         "get_callback_tps: 0, query_zns_tps: 0}\n",
                     &fake_env);
    ASSERT_EQ(c.esms.accounts.size(), 1u);
    EXPECT_EQ(c.esms.accounts[0].get_callback_tps, 0);
    EXPECT_EQ(c.esms.accounts[0].query_zns_tps, 0);
    EXPECT_EQ(c.reconcile.query_zns_after, 2);
}

TEST(Config, OtherValidation) {
    EXPECT_TRUE(one_problem(std::string(minimal) + "http:\n  listen: nowhere\n", "http.listen",
                            "host:port"));
    EXPECT_TRUE(one_problem(std::string(minimal) + "http:\n  callback_path: callback\n",
                            "http.callback_path", "starting with /"));
    EXPECT_TRUE(
        one_problem(std::string(minimal) + "log:\n  format: xml\n", "log.format", "text or json"));
    EXPECT_TRUE(one_problem(std::string(minimal) + "log:\n  level: loud\n", "log.level",
                            "expected one of"));
    EXPECT_TRUE(one_problem(std::string(minimal) + "esms:\n  api_base: ftp://x\n", "esms.api_base",
                            "http://"));
    EXPECT_TRUE(one_problem(std::string(minimal) +
                                "esms:\n  accounts:\n    - {name: a, api_key: k, secret_key: s}\n"
                                "    - {name: a, api_key: k, secret_key: s}\n",
                            "esms.accounts[1].name", "duplicate"));
}

TEST(Config, ArchiveAges) {
    const auto defaults = parse_config(minimal, &fake_env);
    EXPECT_EQ(defaults.archive.after, 90 * 24h);
    EXPECT_EQ(defaults.archive.drop_after.count(), 0) << "archived rows are kept by default";
    EXPECT_EQ(defaults.archive.batch, 1000);
    const auto set = parse_config(
        std::string(minimal) + "archive:\n  after: 30d\n  drop_after: 400d\n  batch: 50\n",
        &fake_env);
    EXPECT_EQ(set.archive.after, 30 * 24h);
    EXPECT_EQ(set.archive.drop_after, 400 * 24h);
    EXPECT_EQ(set.archive.batch, 50);
    // Rows must not leave delivery_state while they are still polled.
    EXPECT_TRUE(one_problem(std::string(minimal) + "archive:\n  after: 7d\n", "archive.after",
                            "at least reconcile.window + 1d (8d)"));
    EXPECT_TRUE(
        one_problem(std::string(minimal) + "reconcile:\n  window: 30d\narchive:\n  after: 30d\n",
                    "archive.after", "(31d)"));
    EXPECT_TRUE(one_problem(std::string(minimal) + "archive:\n  after: 30d\n  drop_after: 30d\n",
                            "archive.drop_after", "longer than archive.after (30d)"));
}

TEST(Config, GroupCommitAndNetworkSettings) {
    const auto c = parse_config(
        std::string(minimal) + "  max_batch: 500\n  commits_in_flight: 3\n  max_queued: 9\n",
        &fake_env);
    EXPECT_EQ(c.database.max_batch, 500);
    EXPECT_EQ(c.database.commits_in_flight, 3);
    EXPECT_EQ(c.database.max_queued, 9);
    EXPECT_TRUE(one_problem(std::string(minimal) + "  pool_size: 2\n  commits_in_flight: 3\n",
                            "database.commits_in_flight", "pool_size"));
    EXPECT_TRUE(one_problem(std::string(minimal) + "  max_batch: 0\n", "database.max_batch",
                            "must be > 0"));
    EXPECT_TRUE(
        one_problem(std::string(minimal) + "http:\n  allow_cidrs: [10.0.0.0/8, 10.0.0/40]\n",
                    "http.allow_cidrs[1]", "not a CIDR"));
    EXPECT_NO_THROW((void)parse_config(
        std::string(minimal) + "http:\n  allow_cidrs: [10.1.2.3, 2001:db8::/32, ::1]\n",
        &fake_env));
}

TEST(Config, ReportsEveryProblemAtOnce) {
    const auto problems = problems_of(
        "database:\n  pool_size: 0\nhttp:\n  listen: x\n  bogus: 1\nlog:\n  format: xml\n");
    EXPECT_EQ(problems.size(), 5u);
}

TEST(Config, SyntaxErrorGivesLine) {
    const auto problems = problems_of("database:\n  url: [unclosed\n");
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("line "), std::string::npos) << problems[0];
}

TEST(Config, RedactedYamlHoldsNoSecretAndParsesBack) {
    const auto c = parse_config(full_config, &fake_env);
    const auto text = to_redacted_yaml(c);
    EXPECT_EQ(text.find("SECRET"), std::string::npos) << text;
    EXPECT_NE(text.find("<redacted>"), std::string::npos);
    EXPECT_NE(text.find("postgresql://deliveryd:REDACTED@127.0.0.1:5432/deliveryd"),
              std::string::npos)
        << text;
    // What is printed is itself a valid configuration with the same settings.
    const auto again = parse_config(text, &fake_env);
    EXPECT_EQ(again.reconcile.backoff, c.reconcile.backoff);
    EXPECT_EQ(again.http.allow_cidrs, c.http.allow_cidrs);
    EXPECT_EQ(again.reconcile.tick, c.reconcile.tick);
}

TEST(Config, ADatabaseUrlLibpqCannotParseIsAProblem) {
    for (const auto* url : {"\"host='unterminated dbname=x\"", "postgresql://u:p@h/db?sslmode",
                            "postgresql://u@h/db?x=%zz", "\"just words\""}) {
        EXPECT_TRUE(one_problem(std::string("database:\n  url: ") + url + "\n", "database.url",
                                "libpq cannot parse it"))
            << url;
    }
    // Nothing of the text, which may hold a password, is repeated.
    const auto problems = problems_of("database:\n  url: \"host=h password='s3cret\"\n");
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].find("s3cret"), std::string::npos) << problems[0];
    // Both forms libpq takes are accepted.
    EXPECT_NO_THROW(
        (void)parse_config("database:\n  url: host=h dbname=d sslmode=verify-full\n", &fake_env));
}

TEST(Config, AnEmptyProviderKeyIsRefusedNamingHowToTurnTheProviderOff) {
    EXPECT_TRUE(one_problem(
        std::string(minimal) + "etelecom:\n  base_url: http://127.0.0.1:9\n  api_key: ${UNSET:-}\n",
        "etelecom.api_key", "leave the etelecom section out"));
    EXPECT_TRUE(
        one_problem(std::string(minimal) +
                        "esms:\n  accounts:\n    - {name: a, api_key: \"\", secret_key: s}\n",
                    "esms.accounts[0].api_key", "remove the account"));
}

TEST(Config, SslrootcertSystemWithAWeakSslmodeIsAProblem) {
    EXPECT_TRUE(one_problem(
        "database:\n  url: postgresql://x@db.example.com/db?sslrootcert=system&sslmode=require\n",
        "database.url", "needs sslmode=verify-full"));
}

TEST(Config, NumbersArePrintedAsWritten) {
    const auto text = to_redacted_yaml(parse_config(minimal, &fake_env));
    EXPECT_NE(text.find("rate_margin: 0.05\n"), std::string::npos) << text;
}

TEST(Config, RedactsDatabasePasswordsInEveryForm) {
    EXPECT_EQ(redact_database_url("postgresql://u:pw@h:5432/db"),
              "postgresql://u:REDACTED@h:5432/db");
    EXPECT_EQ(redact_database_url("postgresql://u@h/db?password=pw&sslmode=require"),
              "postgresql://u@h/db?password=REDACTED&sslmode=require");
    EXPECT_EQ(redact_database_url("host=h password=pw dbname=db"),
              "host=h password=REDACTED dbname=db");
    EXPECT_EQ(redact_database_url("host=h password = 'p w\\'x' dbname=db"),
              "host=h password=REDACTED dbname=db");
    EXPECT_EQ(redact_database_url("postgresql://u@h/db"), "postgresql://u@h/db");
    EXPECT_EQ(redact_database_url("postgresql://u@h/db?password=a&sslpassword=b&x=1"),
              "postgresql://u@h/db?password=REDACTED&sslpassword=REDACTED&x=1");
    EXPECT_EQ(redact_database_url("host=h sslpassword=pw password=p2"),
              "host=h sslpassword=REDACTED password=REDACTED");
    EXPECT_EQ(redact_database_url("host=h mypassword=x"), "host=h mypassword=x");
}

TEST(Duration, ParsesEveryUnit) {
    EXPECT_EQ(parse_duration("250ms"), 250ms);
    EXPECT_EQ(parse_duration("30s"), 30s);
    EXPECT_EQ(parse_duration("2m"), 2min);
    EXPECT_EQ(parse_duration("6h"), 6h);
    EXPECT_EQ(parse_duration("7d"), 7 * 24h);
    EXPECT_EQ(parse_duration("0s"), 0ms);
    EXPECT_FALSE(parse_duration("7"));
    EXPECT_FALSE(parse_duration("7w"));
    EXPECT_EQ(format_duration(90s), "90s");
    EXPECT_EQ(format_duration(24h), "1d");
    EXPECT_EQ(format_duration(1500ms), "1500ms");
}

}  // namespace
}  // namespace deliveryd::app

namespace deliveryd::app {
namespace {

TEST(Config, PollingKeys) {
    const auto c = parse_config(std::string(minimal) +
                                    "reconcile:\n  lease: 2m\n  request_timeout: 5s\n"
                                    "  rate_margin: 0.1\n  poll: false\n",
                                &fake_env);
    EXPECT_EQ(c.reconcile.lease, 2min);
    EXPECT_EQ(c.reconcile.request_timeout, 5s);
    EXPECT_DOUBLE_EQ(c.reconcile.rate_margin, 0.1);
    EXPECT_FALSE(c.reconcile.poll);
    const auto defaults = parse_config(minimal, &fake_env);
    EXPECT_EQ(defaults.reconcile.lease, 1min);
    EXPECT_DOUBLE_EQ(defaults.reconcile.rate_margin, 0.05);
    EXPECT_TRUE(defaults.reconcile.poll);

    EXPECT_TRUE(one_problem(std::string(minimal) + "reconcile:\n  rate_margin: 0.9\n",
                            "reconcile.rate_margin", "between 0 and"));
    EXPECT_TRUE(one_problem(std::string(minimal) + "reconcile:\n  rate_margin: some\n",
                            "reconcile.rate_margin", "expected a number"));
    EXPECT_TRUE(one_problem(std::string(minimal) + "reconcile:\n  poll: maybe\n", "reconcile.poll",
                            "expected true or false"));
    EXPECT_TRUE(one_problem(std::string(minimal) + "reconcile:\n  lease: 5s\n", "reconcile.lease",
                            "at least reconcile.request_timeout"));
}

}  // namespace
}  // namespace deliveryd::app

namespace deliveryd::app {
namespace {

std::set<std::string> keys_in(const YAML::Node& map) {
    std::set<std::string> keys;
    for (const auto& entry : map) {
        keys.insert(entry.first.as<std::string>());
    }
    return keys;
}

// `node` (at `path` in example.yaml) holds exactly the keys of S's table;
// a list of items is compared item by item with the element's table.
template <class S>
void expect_documented(const YAML::Node& node, const std::string& path) {
    ASSERT_TRUE(node.IsMap()) << path << " in config/example.yaml is not a map";
    std::set<std::string> declared;
    for (const auto& key : config_detail::keys_of<S>()) {
        declared.insert(key.name);
        std::visit(
            [&](auto member) {
                using T = std::remove_cvref_t<decltype(std::declval<S&>().*member)>;
                if constexpr (std::is_same_v<T, std::vector<EsmsAccount>>) {
                    const auto items = node[key.name];
                    ASSERT_TRUE(items.IsSequence() && items.size() > 0)
                        << path << "." << key.name << " in config/example.yaml has no item";
                    for (std::size_t i = 0; i < items.size(); ++i) {
                        expect_documented<EsmsAccount>(
                            items[i], path + "." + key.name + "[" + std::to_string(i) + "]");
                    }
                }
            },
            key.member);
    }
    EXPECT_EQ(keys_in(node), declared) << "keys of " << path << " in config/example.yaml";
}

TEST(Config, ExampleYamlHoldsExactlyTheDeclaredKeys) {
    const auto example = YAML::LoadFile(std::string(DELIVERYD_SOURCE_DIR) + "/config/example.yaml");
    std::set<std::string> declared;
    for (const auto& section : config_detail::sections()) {
        declared.insert(section.name);
        std::visit(
            [&](auto member) {
                using T = std::remove_cvref_t<decltype(std::declval<Config&>().*member)>;
                using S = typename config_detail::unwrap_optional<T>::type;
                expect_documented<S>(example[section.name], section.name);
            },
            section.member);
    }
    EXPECT_EQ(keys_in(example), declared) << "sections of config/example.yaml";
}

}  // namespace
}  // namespace deliveryd::app
