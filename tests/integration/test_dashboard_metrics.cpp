// The Grafana dashboard (deploy/grafana/deliveryd-dashboard.json) is built on
// deliveryd's real metrics: every metric name any query of the dashboard
// mentions must show up on a running deliveryd's /metrics. The
// daemon is driven (callbacks of every result, polling against the provider
// simulator, a window closing, an unpollable message, a database that refuses
// one message's reports) until every metric has a series, because
// prometheus-cpp leaves a labelled family out until it has one.
#include <csignal>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/daemon.hpp"
#include "support/http_get.hpp"
#include "support/promql_names.hpp"
#include "support/provider_sim.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using testing::Exposition;
using testing::joined;
using testing::missing_from;

const std::string dashboard_path =
    std::string(DELIVERYD_SOURCE_DIR) + "/deploy/grafana/deliveryd-dashboard.json";

// What the dashboard asks of Prometheus, and its problems as a reader of
// the JSON (not Grafana) can see them.
struct Dashboard {
    std::vector<std::string> queries;  // every target expr and variable query
    std::vector<std::string> problems;
};

json::value read_json(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto value = json::parse(text.str(), ec);
    if (!in || ec) {
        ADD_FAILURE() << path << ": cannot read or parse: " << ec.message();
        return nullptr;
    }
    return value;
}

std::string string_or_empty(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

struct Box {
    std::string title;
    std::int64_t x = 0, y = 0, w = 0, h = 0;
};

// Panels on one level (the dashboard, or a collapsed row's children) must not
// overlap and must fit the 24-column grid.
void check_layout(const std::vector<Box>& boxes, Dashboard& out) {
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        const auto& a = boxes[i];
        if (a.w <= 0 || a.h <= 0 || a.x < 0 || a.y < 0 || a.x + a.w > 24) {
            out.problems.push_back("panel '" + a.title + "': gridPos outside the grid");
        }
        for (std::size_t j = i + 1; j < boxes.size(); ++j) {
            const auto& b = boxes[j];
            if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) {
                out.problems.push_back("panels '" + a.title + "' and '" + b.title + "' overlap");
            }
        }
    }
}

void collect_panels(const json::array& panels, std::set<std::int64_t>& ids, Dashboard& out) {
    std::vector<Box> boxes;
    for (const auto& item : panels) {
        if (!item.is_object()) {
            out.problems.push_back("a panel is not a JSON object");
            continue;
        }
        const auto& panel = item.as_object();
        const auto title = string_or_empty(panel, "title");
        const auto type = string_or_empty(panel, "type");
        const auto name = "panel '" + title + "' (" + type + ")";
        if (title.empty()) {
            out.problems.push_back("a " + type + " panel has no title");
        }
        const auto* id = panel.if_contains("id");
        if (id == nullptr || !id->is_int64()) {
            out.problems.push_back(name + ": no integer id");
        } else if (!ids.insert(id->as_int64()).second) {
            out.problems.push_back(name + ": id " + std::to_string(id->as_int64()) +
                                   " is used twice");
        }
        const auto* grid = panel.if_contains("gridPos");
        if (grid == nullptr || !grid->is_object()) {
            out.problems.push_back(name + ": no gridPos");
        } else {
            const auto& g = grid->as_object();
            const auto number = [&](std::string_view key) -> std::int64_t {
                const auto* v = g.if_contains(key);
                return v != nullptr && v->is_int64() ? v->as_int64() : -1;
            };
            boxes.push_back({title, number("x"), number("y"), number("w"), number("h")});
        }

        const auto* targets = panel.if_contains("targets");
        if (type != "row" &&
            (targets == nullptr || !targets->is_array() || targets->as_array().empty())) {
            out.problems.push_back(name + ": no query");
        }
        if (targets != nullptr && targets->is_array()) {
            for (const auto& target : targets->as_array()) {
                const auto expr =
                    target.is_object() ? string_or_empty(target.as_object(), "expr") : "";
                if (expr.empty()) {
                    out.problems.push_back(name + ": a target has an empty expr");
                } else {
                    out.queries.push_back(expr);
                }
            }
        }
        // A row's own panels: its children when collapsed (they carry their
        // own gridPos, laid out as if the row were open).
        if (const auto* nested = panel.if_contains("panels");
            nested != nullptr && nested->is_array()) {
            collect_panels(nested->as_array(), ids, out);
        }
    }
    check_layout(boxes, out);
}

Dashboard read_dashboard(const json::value& doc) {
    Dashboard out;
    if (!doc.is_object() || doc.as_object().if_contains("panels") == nullptr ||
        !doc.at("panels").is_array()) {
        out.problems.push_back("no panels array");
        return out;
    }
    std::set<std::int64_t> ids;
    collect_panels(doc.at("panels").as_array(), ids, out);
    // Template variables query Prometheus too (label_values(metric, label)).
    const auto* templating = doc.as_object().if_contains("templating");
    const auto* variables = templating != nullptr && templating->is_object()
                                ? templating->as_object().if_contains("list")
                                : nullptr;
    if (variables != nullptr && variables->is_array()) {
        for (const auto& variable : variables->as_array()) {
            if (!variable.is_object() || string_or_empty(variable.as_object(), "type") != "query") {
                continue;
            }
            const auto& v = variable.as_object();
            const auto* query = v.if_contains("query");
            std::string text;
            if (query != nullptr && query->is_string()) {
                text = std::string(query->as_string());
            } else if (query != nullptr && query->is_object()) {
                text = string_or_empty(query->as_object(), "query");
            }
            if (text.empty()) {
                out.problems.push_back("variable $" + string_or_empty(v, "name") + ": empty query");
            } else {
                out.queries.push_back(text);
            }
        }
    }
    return out;
}

// deliveryd_... and process_... metric names in PromQL (not the process_
// inside deliveryd_process_...).
std::set<std::string> metric_names(const std::vector<std::string>& queries) {
    return testing::metric_names(queries, {"deliveryd_", "process_"});
}

TEST(DashboardFile, PanelsHaveTitlesUniqueIdsQueriesAndAFreeGrid) {
    const auto doc = read_json(dashboard_path);
    ASSERT_TRUE(doc.is_object());
    const auto dashboard = read_dashboard(doc);
    EXPECT_TRUE(dashboard.problems.empty()) << joined(dashboard.problems);
    EXPECT_FALSE(metric_names(dashboard.queries).empty());
}

// Polling as in the polling end-to-end tests (first call after 1 s, then
// every 1-2 s), with a one-minute window so that a message registered an
// hour ago is closed at once.
std::string dashboard_daemon_config(const std::string& database_url,
                                    const testing::ProviderSim& sim) {
    return "database:\n  url: " + database_url +
           "\n  connect_timeout: 2s\nhttp:\n  listen: 127.0.0.1:0\n"
           "esms:\n  api_base: " +
           sim.url() + "\n  callback_api_base: " + sim.url() +
           "\n  accounts:\n    - name: default\n      api_key: sim-api-key\n"
           "      secret_key: sim-secret-key\n"
           "etelecom:\n  base_url: " +
           sim.url() +
           "/v1/shop\n  api_key: sim-etelecom-key\n"
           "reconcile:\n  grace: 1s\n  backoff: [1s, 2s]\n  window: 1m\n  tick: 200ms\n"
           "  lease: 5s\n  request_timeout: 3s\n";
}

// An eSMS SMS (answered by GetSendStatus, one id per call) of the simulator.
std::string sim_sms_id(const testing::ProviderSim& sim) {
    const auto messages = sim.get("/sim/messages");
    if (!messages.is_object()) {
        return "";
    }
    for (const auto& m : messages.at("messages").as_array()) {
        const auto& type = m.at("type_id");
        if (testing::json_text(m.at("provider")) == "esms" && m.at("oa_id").is_null() &&
            type.is_int64() && (type.as_int64() < 24 || type.as_int64() > 27)) {
            return testing::json_text(m.at("sms_id"));
        }
    }
    return "";
}

TEST(DashboardMetrics, EveryMetricTheDashboardQueriesIsExported) {
    DELIVERYD_REQUIRE_DATABASE();
    const auto doc = read_json(dashboard_path);
    ASSERT_TRUE(doc.is_object());
    const auto wanted = metric_names(read_dashboard(doc).queries);
    ASSERT_FALSE(wanted.empty());

    testing::ScratchDatabase db;
    testing::ProviderSim sim({"--generate", "60", "--seed", "5", "--time-scale", "60"});
    ASSERT_NE(sim.port, 0) << sim.process.output();
    // A database that refuses every report about one message: its callback
    // is answered 503 (a failed commit) and its poll answers are not stored.
    const auto refused = sim_sms_id(sim);
    ASSERT_FALSE(refused.empty()) << "the simulator generated no SMS";
    db.execute(R"sql(
        CREATE FUNCTION dashboard_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'test refuses reports about %', NEW.sms_id; END $$)sql");
    db.execute(
        "CREATE TRIGGER dashboard_test_refuse BEFORE INSERT ON delivery_event "
        "FOR EACH ROW WHEN (NEW.sms_id = '" +
        refused + "') EXECUTE FUNCTION dashboard_test_refuse()");

    // A message of an eSMS account the configuration lacks (its gauge is
    // set by the first tick).
    db.execute(
        "INSERT INTO delivery_state (sms_id, account, type_id) "
        "VALUES ('dashboard-unconfigured-account', 'not-configured', 2)");

    const auto started = Clock::now();
    testing::Daemon d(dashboard_daemon_config(db.url(), sim));
    ASSERT_NE(d.port, 0) << d.process.output();
    ASSERT_TRUE(d.wait_ready()) << d.process.output();
    ASSERT_EQ(testing::register_sim_messages(db.url(), sim), 60u);
    // One whose polling window ended long ago (closed: expired via window),
    // and a Zalo follower message without an OA id (no status call can
    // answer it: QueryZnsStatus takes only ZNS of TypeId 24/25).
    db.execute(
        "INSERT INTO delivery_state (sms_id, type_id, submitted_at, next_poll_at) "
        "VALUES ('dashboard-window-ended', 2, now() - interval '1 hour', now()), "
        "('dashboard-zns-without-oa', 26, now(), now())");

    // Callbacks of every result: accepted, duplicate, rejected, unavailable,
    // and one carrying a Zalo error code (the seed's ZNS failure).
    const std::string sent =
        "/callback/esms?SMSID=dashboard-sent&SendStatus=5&SendSuccess=1"
        "&SendFailed=0&TotalReceiver=1&TypeId=2";
    EXPECT_EQ(testing::http_get(d.port, sent).status, 200);
    EXPECT_EQ(testing::http_get(d.port, sent).status, 200);
    EXPECT_EQ(testing::http_get(d.port, "/callback/esms?SendStatus=5").status, 400);
    EXPECT_EQ(testing::http_get(d.port,
                                "/callback/esms?SMSID=dashboard-zns-failed&SendFailed=1"
                                "&SendStatus=5&SendSuccess=0&TotalReceiver=1&TypeId=25"
                                "&error_info=%22{%5C%22error%5C%22%3A-114%2C%5C%22message%5C%22"
                                "%3A%5C%22User%20is%20inactive%5C%22}%22"
                                "&oaid=1397492183140006179")
                  .status,
              200);
    EXPECT_EQ(testing::http_get(d.port, "/callback/esms?SMSID=" + refused +
                                            "&SendStatus=5&SendSuccess=1&TypeId=2")
                  .status,
              503);

    const auto [missing, exported] = testing::wait_until_exported(d.port, wanted, 20s);
    EXPECT_TRUE(missing.empty()) << missing.size() << " of the " << wanted.size()
                                 << " metrics the dashboard queries are not exported "
                                 << "(deliveryd exports " << exported
                                 << " families): " << joined(missing);
    std::cout
        << wanted.size() << " dashboard metrics checked in "
        << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()
        << " ms\n";

    d.process.send_signal(SIGTERM);
    EXPECT_EQ(d.process.wait_exit(20s), 0) << d.process.output();
    EXPECT_NE(d.process.output().find("1 unresolved message of esms/not-configured"),
              std::string::npos)
        << "the unconfigured account is named in a warning:\n"
        << d.process.output();
}

}  // namespace
}  // namespace deliveryd
