// The Prometheus alerting rules (deploy/prometheus/deliveryd-alerts.yaml; the
// kustomize base's PrometheusRule holds the same groups) are built on
// deliveryd's real metrics, as the Grafana dashboard is
// (test_dashboard_metrics.cpp): every deliveryd_* metric an expression names
// must show up on a running deliveryd's /metrics, and every selector's
// label="value" matchers must match one of its series. A rule on a renamed
// metric or label value would otherwise never fire, and nothing would say
// so. prometheus-cpp leaves a labelled family out until it has a series, so
// the daemon gets what makes each appear: an account whose scope it polls, a
// message of an account no configuration has, readiness probes answered 200
// and then, draining after SIGTERM, 503.
#include <csignal>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "support/daemon.hpp"
#include "support/http_get.hpp"
#include "support/promql_names.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string rules_path =
    std::string(DELIVERYD_SOURCE_DIR) + "/deploy/prometheus/deliveryd-alerts.yaml";
const std::vector<std::string> deliveryd_prefix{"deliveryd_"};

// The expressions of a rules file, and what keeps a reader from finding them.
struct Rules {
    std::vector<std::string> expressions;
    std::vector<std::string> problems;
};

// node[key] as text, if it is a scalar. A missing key is an invalid node,
// which throws on anything but IsDefined().
std::optional<std::string> scalar(const YAML::Node& node, const char* key) {
    const auto value = node[key];
    if (!value.IsDefined() || !value.IsScalar()) {
        return std::nullopt;
    }
    return value.as<std::string>();
}

Rules read_rules(const std::string& path) {
    Rules out;
    YAML::Node doc;
    try {
        doc = YAML::LoadFile(path);
    } catch (const YAML::Exception& e) {
        out.problems.push_back(path + ": " + e.what());
        return out;
    }
    const auto groups = doc["groups"];
    if (!groups.IsDefined() || !groups.IsSequence() || groups.size() == 0) {
        out.problems.push_back(path + ": no groups");
        return out;
    }
    for (const auto& group : groups) {
        const auto rules = group["rules"];
        if (!rules.IsDefined() || !rules.IsSequence() || rules.size() == 0) {
            out.problems.push_back("a group without rules");
            continue;
        }
        for (const auto& rule : rules) {
            const auto name =
                scalar(rule, "alert")
                    .value_or(scalar(rule, "record").value_or("a rule without a name"));
            const auto expr = scalar(rule, "expr");
            if (!expr || expr->empty()) {
                out.problems.push_back(name + ": no expr");
            } else {
                out.expressions.push_back(*expr);
            }
        }
    }
    return out;
}

std::vector<std::string> missing_selectors(const std::set<testing::Selector>& wanted,
                                           const testing::Exposition& exposition) {
    std::vector<std::string> missing;
    for (const auto& selector : wanted) {
        if (!exposition.has(selector)) {
            missing.push_back(testing::to_string(selector));
        }
    }
    return missing;
}

TEST(AlertRulesFile, EveryRuleHasAnExpressionAndTheyNameDeliverydMetrics) {
    const auto rules = read_rules(rules_path);
    EXPECT_TRUE(rules.problems.empty()) << testing::joined(rules.problems);
    EXPECT_FALSE(testing::metric_names(rules.expressions, deliveryd_prefix).empty());
    EXPECT_FALSE(testing::equality_selectors(rules.expressions, deliveryd_prefix).empty());
}

// One eSMS account, whose scope this replica polls. Its provider is not
// there, and none of its messages is due, so no status call is made. The
// drain after SIGTERM is long enough to ask /readyz and /metrics once more.
// The change feed is on, for its queue's gauge.
std::string alert_rules_daemon_config(const std::string& database_url) {
    return testing::daemon_config(database_url,
                                  "  drain_delay: 3s\n"
                                  "esms:\n  api_base: http://127.0.0.1:1\n"
                                  "  callback_api_base: http://127.0.0.1:1\n"
                                  "  accounts:\n    - name: default\n"
                                  "      api_key: alert-rules-api-key\n"
                                  "      secret_key: alert-rules-secret-key\n"
                                  "reconcile:\n  tick: 200ms\n"
                                  "feed:\n  notify: true\n");
}

TEST(AlertRules, EveryMetricAndSelectorTheRulesUseIsExported) {
    DELIVERYD_REQUIRE_DATABASE();
    const auto rules = read_rules(rules_path);
    ASSERT_TRUE(rules.problems.empty()) << testing::joined(rules.problems);
    const auto names = testing::metric_names(rules.expressions, deliveryd_prefix);
    const auto selectors = testing::equality_selectors(rules.expressions, deliveryd_prefix);
    ASSERT_FALSE(names.empty());

    testing::ScratchDatabase db;
    // A message of an account the configuration lacks (its gauge is set by
    // the first tick).
    db.execute(
        "INSERT INTO delivery_state (sms_id, account, type_id) "
        "VALUES ('alert-rules-unconfigured-account', 'not-configured', 2)");

    const auto started = Clock::now();
    testing::Daemon d(alert_rules_daemon_config(db.url()));
    ASSERT_NE(d.port, 0) << d.process.output();
    // Asks /readyz until it answers 200, as the kubelet does.
    ASSERT_TRUE(d.wait_ready()) << d.process.output();

    const auto [missing, exported] = testing::wait_until_exported(d.port, names, 20s);
    EXPECT_TRUE(missing.empty()) << missing.size() << " of the " << names.size()
                                 << " metrics the alerting rules use are not exported "
                                 << "(deliveryd exports " << exported
                                 << " families): " << testing::joined(missing);

    // Draining: /readyz answers 503, which the readiness rules count, and
    // /metrics still answers.
    d.process.send_signal(SIGTERM);
    ASSERT_TRUE(testing::eventually_status(d.port, "/readyz", 503, 2s)) << d.process.output();
    const auto scrape = testing::http_get(d.port, "/metrics", 2s);
    ASSERT_EQ(scrape.status, 200) << d.process.output();
    const auto unmatched = missing_selectors(selectors, testing::Exposition(scrape.body));
    EXPECT_TRUE(unmatched.empty())
        << unmatched.size() << " of the " << selectors.size()
        << " selectors of the alerting rules match no series: " << testing::joined(unmatched);
    std::cout
        << names.size() << " metrics and " << selectors.size()
        << " selectors of the alerting rules checked in "
        << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()
        << " ms\n";

    EXPECT_EQ(d.process.wait_exit(20s), 0) << d.process.output();
    EXPECT_NE(d.process.output().find("1 unresolved message of esms/not-configured"),
              std::string::npos)
        << "the unconfigured account is named in a warning:\n"
        << d.process.output();
}

}  // namespace
}  // namespace deliveryd
