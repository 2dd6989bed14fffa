// Polling end to end: deliveryd against the provider simulator over real HTTP
// and a real PostgreSQL. The simulator drops callbacks; polling must fill
// every gap, inside the simulator's rate limits, and several replicas must
// share the work without asking twice.
#include <csignal>
#include <map>
#include <memory>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "support/daemon.hpp"
#include "support/http_get.hpp"
#include "support/provider_sim.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// deliveryd on `port`, pointed at the simulator, on a timescale of seconds:
// first poll after 1 s, then every 1-2 s, window closed after `window`.
std::string polling_config(const std::string& database_url, unsigned short port,
                           const testing::ProviderSim& sim, const std::string& window,
                           const std::string& api_key = "sim-api-key") {
    return "database:\n  url: " + database_url +
           "\n  connect_timeout: 2s\nhttp:\n  listen: 127.0.0.1:" + std::to_string(port) +
           "\nesms:\n  api_base: " + sim.url() + "\n  callback_api_base: " + sim.url() +
           "\n  accounts:\n    - name: default\n      api_key: " + api_key +
           "\n      secret_key: sim-secret-key\n"
           "etelecom:\n  base_url: " +
           sim.url() +
           "/v1/shop\n  api_key: sim-etelecom-key\n"
           "reconcile:\n  grace: 1s\n  backoff: [1s, 2s]\n  window: " +
           window + "\n  tick: 200ms\n  lease: 15s\n  request_timeout: 5s\n";
}

// `config` with its one `from` written as `to` (polling_config's lines).
void edit(std::string& config, const std::string& from, const std::string& to) {
    const auto at = config.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    config.replace(at, from.size(), to);
}

// The simulator's own count of limit violations and oversized GetCallbacks.
void expect_good_manners(const testing::ProviderSim& sim) {
    const auto stats = sim.get("/sim/stats");
    ASSERT_TRUE(stats.is_object());
    EXPECT_EQ(stats.at("violations").as_int64(), 0) << json::serialize(stats);
    const auto& ids = stats.at("get_callback_ids").as_object();
    EXPECT_LE(ids.at("max_ids").as_int64(), 200);
    EXPECT_EQ(ids.at("histogram").at(">200").as_int64(), 0);
    EXPECT_EQ(ids.at("truncated_calls").as_int64(), 0);
}

// `scope` is held by the daemon on `port`, per its /metrics.
bool holds_scope(unsigned short port, const std::string& scope) {
    const auto metrics = testing::http_get(port, "/metrics", 2s);
    return metrics.body.find("deliveryd_poll_scope_held{scope=\"" + scope + "\"} 1") !=
           std::string::npos;
}

// The credentials gauge of `endpoint` (any endpoint when empty) is up on the
// daemon on `port`, per its /metrics.
bool credentials_failing(unsigned short port, const std::string& endpoint = "") {
    const auto metrics = testing::http_get(port, "/metrics", 2s).body;
    const std::string name = "\ndeliveryd_poll_credentials_failing{";
    for (auto at = metrics.find(name); at != std::string::npos; at = metrics.find(name, at + 1)) {
        const auto end = metrics.find('\n', at + 1);
        const auto line = metrics.substr(at + 1, end == std::string::npos ? end : end - at - 1);
        if (line.ends_with(" 1") &&
            (endpoint.empty() || line.find("endpoint=\"" + endpoint + "\"") != std::string::npos)) {
            return true;
        }
    }
    return false;
}

// Waits until no row is left unresolved; false on timeout. Notes in
// `gauge_raised` whether any credentials gauge was seen up meanwhile.
bool wait_all_final(const testing::ScratchDatabase& db, unsigned short port,
                    std::chrono::seconds timeout, bool& gauge_raised) {
    const auto deadline = Clock::now() + timeout;
    const auto unresolved = [&db] {
        return db.scalar("SELECT count(*) FROM delivery_state WHERE NOT is_final");
    };
    while (Clock::now() < deadline && unresolved() != "0") {
        gauge_raised = gauge_raised || credentials_failing(port);
        std::this_thread::sleep_for(250ms);
    }
    gauge_raised = gauge_raised || credentials_failing(port);
    return unresolved() == "0";
}

// Calls to `endpoint` the simulator refused for wrong keys.
std::int64_t auth_failures(const testing::ProviderSim& sim, const std::string& endpoint) {
    return sim.get("/sim/stats").at("endpoints").at(endpoint).at("auth_failures").as_int64();
}

std::int64_t total_calls(const testing::ProviderSim& sim) {
    const auto stats = sim.get("/sim/stats");
    std::int64_t calls = 0;
    for (const auto& [name, endpoint] : stats.at("endpoints").as_object()) {
        for (const auto& [key, counts] : endpoint.at("keys").as_object()) {
            calls += counts.at("calls").as_int64();
        }
    }
    return calls;
}

TEST(PollingEndToEnd, EveryRowReachesTheTruthThoughCallbacksAreDropped) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    const auto port = testing::free_local_port();
    // 60x: every timeline (final within ~2 simulated minutes, deliveries
    // within ~5) plays out in seconds; the 7-day lookup limit is hours away.
    // GetSendStatus answers the SMSIDs it cannot report (messages that never
    // get a status) with 101 echoing the id, as eSMS's own sample shows: one
    // reading of an undocumented answer, and the harder one, since 101 is
    // also eSMS's code for wrong keys.
    testing::ProviderSim sim({"--generate", "300", "--seed", "7", "--time-scale", "60",
                              "--drop-callbacks", "0.3", "--unknown-id-code", "101",
                              "--callback-url",
                              "http://127.0.0.1:" + std::to_string(port) + "/callback/esms"});
    ASSERT_NE(sim.port, 0) << sim.process.output();
    testing::Daemon d(polling_config(db.url(), port, sim, "20s"));
    ASSERT_EQ(d.port, port) << d.process.output();
    ASSERT_TRUE(d.wait_ready()) << d.process.output();
    ASSERT_EQ(testing::register_sim_messages(db.url(), sim), 300u);

    // Every row final: answered, or its 20 s window closed. Messages the
    // provider cannot report answer 101 all along; the keys are right, so
    // the credentials gauge must never go up (sampled while waiting).
    bool gauge_raised = false;
    ASSERT_TRUE(wait_all_final(db, port, 90s, gauge_raised)) << d.process.output();
    EXPECT_FALSE(gauge_raised) << d.process.output();
    EXPECT_GT(sim.get("/sim/stats").at("send_status_unknown_ids").as_int64(), 0)
        << "no 101 for an unknown id was answered: the test proves nothing";

    // The stored answer of each message is the simulator's final truth.
    const auto truth = sim.get("/sim/truth");
    ASSERT_TRUE(truth.is_object());
    pqxx::connection c(db.url());
    pqxx::read_transaction tx(c);
    std::map<std::string, pqxx::row> rows;
    for (const auto& row :
         tx.exec("SELECT sms_id, state, coalesce(error_code::text, 'NULL'), "
                 "coalesce(partner_id, 'NULL'), resolved_by, poll_attempts FROM delivery_state")) {
        rows.emplace(row[0].as<std::string>(), row);
    }
    int compared = 0;
    for (const auto& m : truth.at("messages").as_array()) {
        const auto id = testing::json_text(m.at("sms_id"));
        const auto it = rows.find(id);
        ASSERT_NE(it, rows.end()) << id;
        const auto& row = it->second;
        const auto final_state = testing::json_text(m.at("final_state"));
        EXPECT_EQ(row[1].as<std::string>(), final_state) << id;
        if (final_state == "failed" && m.at("error_code").is_int64()) {
            EXPECT_EQ(row[2].as<std::string>(), testing::json_text(m.at("error_code"))) << id;
        }
        if (final_state == "delivered" && m.at("provider").as_string() == "esms") {
            EXPECT_EQ(row[3].as<std::string>(), testing::json_text(m.at("partner_id"))) << id;
        }
        ++compared;
    }
    EXPECT_EQ(compared, 300);

    // Callbacks resolved some rows, polling the rest.
    const auto by_callback =
        std::stoi(db.scalar("SELECT count(*) FROM delivery_state WHERE resolved_by = 'callback'"));
    const auto by_poll =
        std::stoi(db.scalar("SELECT count(*) FROM delivery_state WHERE resolved_by = 'poll'"));
    EXPECT_GT(by_callback, 30);
    EXPECT_GT(by_poll, 30);
    EXPECT_EQ(by_callback + by_poll, 300);
    EXPECT_NE(db.scalar("SELECT count(*) FROM delivery_event WHERE source = 'get_callback'"), "0");
    EXPECT_NE(db.scalar("SELECT count(*) FROM delivery_event WHERE source = 'zalo_status'"), "0");
    EXPECT_NE(db.scalar("SELECT count(*) FROM delivery_event WHERE source = 'get_send_status'"),
              "0");
    EXPECT_NE(
        db.scalar("SELECT count(*) FROM delivery_event WHERE source = 'etelecom_get_message'"),
        "0");
    expect_good_manners(sim);

    // The operator's view of the running replica, and the event log telling
    // the same story as the rows.
    const auto config =
        testing::write_temp_file(polling_config(db.url(), port, sim, "20s"), ".yaml");
    const auto status = testing::run_process(DELIVERYD_BINARY, {"status", "--config", config});
    EXPECT_EQ(status.exit_code, 0) << status.output;
    EXPECT_NE(status.output.find("(deliveryd-poller), connected since"), std::string::npos)
        << status.output;
    EXPECT_NE(status.output.find("zalo_status"), std::string::npos) << status.output;
    const auto rebuild = testing::run_process(DELIVERYD_BINARY, {"rebuild", "--config", config});
    EXPECT_EQ(rebuild.exit_code, 0) << rebuild.output;
    EXPECT_NE(rebuild.output.find("300 rows recomputed from delivery_event: 0 differ"),
              std::string::npos)
        << rebuild.output;

    d.process.send_signal(SIGTERM);
    EXPECT_EQ(d.process.wait_exit(20s), 0) << d.process.output();
}

TEST(PollingEndToEnd, ZnsSentWithoutACallbackUrlReachTheTruthThroughQueryZnsStatus) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    const auto port = testing::free_local_port();
    // ZNS 24/25 only, half of them sent without a CallbackUrl: no callback
    // ever comes for those and GetCallback never returns them.
    testing::ProviderSim sim({"--generate", "200", "--seed", "11", "--time-scale", "60",
                              "--only-types", "24,25", "--zns-without-callback", "0.5",
                              "--callback-url",
                              "http://127.0.0.1:" + std::to_string(port) + "/callback/esms"});
    ASSERT_NE(sim.port, 0) << sim.process.output();
    // QueryZnsStatus at 30/s, not 100: the same path, a third of the load
    // on a machine that runs this under ThreadSanitizer beside other tests.
    auto config = polling_config(db.url(), port, sim, "25s");
    edit(config, "      secret_key: sim-secret-key\n",
         "      secret_key: sim-secret-key\n      query_zns_tps: 30\n");
    testing::Daemon d(config);
    ASSERT_EQ(d.port, port) << d.process.output();
    ASSERT_TRUE(d.wait_ready()) << d.process.output();
    ASSERT_EQ(testing::register_sim_messages(db.url(), sim), 200u);

    bool gauge_raised = false;
    ASSERT_TRUE(wait_all_final(db, port, 150s, gauge_raised))
        << db.scalar(
               "SELECT string_agg(format('%s %s %s attempts, next poll %s', sms_id, state, "
               "poll_attempts, next_poll_at - now()), '; ') FROM delivery_state "
               "WHERE NOT is_final")
        << "\n"
        << d.process.output();
    EXPECT_FALSE(gauge_raised) << d.process.output();

    const auto truth = sim.get("/sim/truth");
    pqxx::connection c(db.url());
    pqxx::read_transaction tx(c);
    std::map<std::string, pqxx::row> rows;
    for (const auto& row :
         tx.exec("SELECT sms_id, state, coalesce(error_code::text, 'NULL'), "
                 "coalesce(partner_id, 'NULL'), "
                 "(SELECT count(*) FROM delivery_event e WHERE e.sms_id = s.sms_id "
                 "AND e.source = 'query_zns_status') FROM delivery_state s")) {
        rows.emplace(row[0].as<std::string>(), row);
    }
    int without_url = 0;
    int asked = 0;
    for (const auto& m : truth.at("messages").as_array()) {
        const auto id = testing::json_text(m.at("sms_id"));
        const auto& row = rows.at(id);
        const auto final_state = testing::json_text(m.at("final_state"));
        EXPECT_EQ(row[1].as<std::string>(), final_state) << id;
        if (final_state == "failed") {
            EXPECT_EQ(row[2].as<std::string>(), testing::json_text(m.at("error_code"))) << id;
        }
        if (final_state == "delivered") {
            EXPECT_EQ(row[3].as<std::string>(), testing::json_text(m.at("partner_id"))) << id;
        }
        if (!m.at("callback").as_bool()) {
            ++without_url;
            // Only QueryZnsStatus can know these; a message with no status
            // at all is the one thing it cannot answer.
            if (final_state != "expired") {
                EXPECT_GT(row[4].as<int>(), 0) << id;
                ++asked;
            }
        }
    }
    EXPECT_GT(without_url, 60);
    EXPECT_GT(asked, 50);
    const auto stats = sim.get("/sim/stats");
    EXPECT_GT(stats.at("endpoints")
                  .at("QueryZnsStatus")
                  .at("keys")
                  .at("sim-api-key")
                  .at("calls")
                  .as_int64(),
              0);
    expect_good_manners(sim);

    d.process.send_signal(SIGTERM);
    EXPECT_EQ(d.process.wait_exit(20s), 0) << d.process.output();
}

TEST(PollingEndToEnd, AnSmsBacklogIsSweptByListingsAndOnlyWhatTheyLackIsAskedOneByOne) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    const auto port = testing::free_local_port();
    // SMS and Viber only, every callback lost. At 60x the simulator plays
    // every timeline out (final within about 2 simulated minutes) before the
    // messages are registered, so a listing reports each message that has a
    // status as final; those that never get one are listed by no page.
    testing::ProviderSim sim({"--generate", "1400", "--seed", "13", "--time-scale", "60",
                              "--only-types", "2,23", "--drop-callbacks", "1", "--callback-url",
                              "http://127.0.0.1:" + std::to_string(port) + "/callback/esms"});
    ASSERT_NE(sim.port, 0) << sim.process.output();
    // About 1,160 SMS and 240 Viber messages: both backlogs pass 100. They
    // wait, due, when deliveryd starts (after a stop, with its grace written
    // by an earlier run): its first tick sweeps before it claims rows to ask
    // one by one. Rows that came due between those two steps of a tick
    // would be asked one by one, rightly but not as this test counts.
    db.execute("UPDATE deliveryd_settings SET value = '1 second' WHERE name = 'reconcile.grace'");
    std::this_thread::sleep_for(4s);
    ASSERT_EQ(testing::register_sim_messages(db.url(), sim), 1400u);
    std::this_thread::sleep_for(1500ms);
    testing::Daemon d(polling_config(db.url(), port, sim, "25s") + "  sweep_above: 100\n");
    ASSERT_EQ(d.port, port) << d.process.output();
    ASSERT_TRUE(d.wait_ready()) << d.process.output();

    bool gauge_raised = false;
    ASSERT_TRUE(wait_all_final(db, port, 90s, gauge_raised)) << d.process.output();

    const auto truth = sim.get("/sim/truth");
    std::map<std::string, std::string> states;
    for (const auto& row : pqxx::read_transaction(*std::make_unique<pqxx::connection>(db.url()))
                               .exec("SELECT sms_id, state FROM delivery_state")) {
        states.emplace(row[0].as<std::string>(), row[1].as<std::string>());
    }
    int expired = 0;
    for (const auto& m : truth.at("messages").as_array()) {
        const auto id = testing::json_text(m.at("sms_id"));
        const auto final_state = testing::json_text(m.at("final_state"));
        EXPECT_EQ(states.at(id), final_state) << id;
        expired += final_state == "expired" ? 1 : 0;
    }
    EXPECT_GT(expired, 0) << "no message without a status: the fallback is not tested";

    // Both types were swept: a few pages answered every message with a
    // status. GetSendStatus was asked only about what the listings lacked
    // (messages with no status at all, which it cannot report either) and
    // about messages a listing showed still on their way (at the telco),
    // never about one a listing had already answered for good.
    const auto stats = sim.get("/sim/stats");
    const auto pages = stats.at("sent_data_pages").as_int64();
    EXPECT_GE(pages, 2);
    EXPECT_LE(pages, 8);
    const auto listed = std::stoi(db.scalar(
        "SELECT count(DISTINCT sms_id) FROM delivery_event WHERE source = 'sms_sent_data'"));
    EXPECT_EQ(listed, 1400 - expired) << d.process.output();
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_event e WHERE source = 'get_send_status' "
                        "AND NOT EXISTS (SELECT 1 FROM delivery_event l WHERE l.sms_id = e.sms_id "
                        "AND l.source = 'sms_sent_data' AND l.state NOT IN ('sent', 'failed', "
                        "'rejected'))"),
              "0");
    EXPECT_GT(stats.at("send_status_unknown_ids").as_int64(), 0);
    expect_good_manners(sim);

    d.process.send_signal(SIGTERM);
    EXPECT_EQ(d.process.wait_exit(20s), 0) << d.process.output();
}

TEST(PollingEndToEnd, AnEtelecomBacklogIsSweptByListMessagesPageByPage) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    const auto port = testing::free_local_port();
    // eTelecom ZNS only (no callbacks exist for them), pages of at most 50.
    testing::ProviderSim sim({"--generate", "500", "--seed", "17", "--time-scale", "60",
                              "--only-types", "etelecom", "--list-messages-max-limit", "50",
                              "--list-messages-tps", "2"});
    ASSERT_NE(sim.port, 0) << sim.process.output();
    // A third of the pages fail, each asked again. Three failures in a row
    // give the rest of a sweep to GetMessage: whether the draws fall so
    // depends on how the two OAs' pages interleave, so the checks below
    // hold either way.
    ASSERT_TRUE(sim.set_faults(R"({"error_5xx":0.3,"endpoints":["ListMessages"]})"));
    // Pages of 100 asked, 50 given: the cursor is followed all the same.
    auto config = polling_config(db.url(), port, sim, "25s") + "  sweep_above: 100\n";
    edit(config, "  api_key: sim-etelecom-key\n",
         "  api_key: sim-etelecom-key\n  list_messages_tps: 2\n");
    testing::Daemon d(config);
    ASSERT_EQ(d.port, port) << d.process.output();
    ASSERT_TRUE(d.wait_ready()) << d.process.output();
    std::this_thread::sleep_for(4s);
    ASSERT_EQ(testing::register_sim_messages(db.url(), sim), 500u);
    // Before the first poll (a second after registration): 50 rows are not
    // due for an hour, and 20 messages were never registered. The listings
    // report both kinds without being asked: the 50 are merged, the 20 not.
    db.execute(
        "UPDATE delivery_state SET next_poll_at = now() + interval '1 hour' "
        "WHERE sms_id IN (SELECT sms_id FROM delivery_state ORDER BY sms_id LIMIT 50)");
    db.execute(
        "DELETE FROM delivery_state "
        "WHERE sms_id IN (SELECT sms_id FROM delivery_state ORDER BY sms_id DESC LIMIT 20)");
    const auto listed_deferred = [&db] {
        return db.scalar(
            "SELECT count(DISTINCT s.sms_id) FROM delivery_state s JOIN delivery_event e "
            "USING (sms_id) WHERE s.poll_attempts = 0 AND e.source = 'etelecom_list_messages'");
    };
    const auto deadline = Clock::now() + 60s;
    while (Clock::now() < deadline && listed_deferred() != "50") {
        std::this_thread::sleep_for(250ms);
    }
    ASSERT_EQ(listed_deferred(), "50") << d.process.output();
    // A message can be listed twice (its update moved it past the cursor),
    // so these are at least the rows counted above.
    const auto metrics = testing::http_get(port, "/metrics", 2s).body;
    const auto unasked = [&metrics](const std::string& row) {
        const auto name =
            "deliveryd_poll_listed_unasked_total{account=\"etelecom\","
            "endpoint=\"etelecom_list_messages\",row=\"" +
            row + "\"} ";
        const auto at = metrics.find(name);
        return at == std::string::npos ? -1.0 : std::stod(metrics.substr(at + name.size()));
    };
    EXPECT_GE(unasked("none"), 20) << metrics;
    EXPECT_GE(unasked("unresolved"), 50) << metrics;
    db.execute("UPDATE delivery_state SET next_poll_at = now() WHERE NOT is_final");

    bool gauge_raised = false;
    ASSERT_TRUE(wait_all_final(db, port, 90s, gauge_raised)) << d.process.output();
    EXPECT_FALSE(gauge_raised) << d.process.output();

    const auto truth = sim.get("/sim/truth");
    std::map<std::string, std::string> states;
    for (const auto& row : pqxx::read_transaction(*std::make_unique<pqxx::connection>(db.url()))
                               .exec("SELECT sms_id, state FROM delivery_state")) {
        states.emplace(row[0].as<std::string>(), row[1].as<std::string>());
    }
    ASSERT_EQ(states.size(), 480U);
    for (const auto& m : truth.at("messages").as_array()) {
        const auto id = testing::json_text(m.at("sms_id"));
        if (const auto it = states.find(id); it != states.end()) {
            EXPECT_EQ(it->second, testing::json_text(m.at("final_state"))) << id;
        }
    }

    // Each OA's backlog was swept, a page of 50 at a time: (nearly) every
    // message was listed. GetMessage was never asked about a message after
    // a listing had answered it for good.
    const auto stats = sim.get("/sim/stats");
    const auto failed = stats.at("faults_injected").at("error_5xx").as_int64();
    EXPECT_GT(failed, 0);
    const auto pages = stats.at("list_messages_pages").as_int64() - failed;
    EXPECT_GE(pages, 10);  // 500 messages, 50 a page
    EXPECT_LE(pages, 20);
    EXPECT_GE(std::stoi(db.scalar("SELECT count(DISTINCT sms_id) FROM delivery_event "
                                  "WHERE source = 'etelecom_list_messages'")),
              430);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_event e "
                        "WHERE source = 'etelecom_get_message' AND EXISTS ("
                        "SELECT 1 FROM delivery_event l WHERE l.sms_id = e.sms_id "
                        "AND l.source = 'etelecom_list_messages' "
                        "AND l.state IN ('delivered', 'failed') "
                        "AND l.received_at < e.received_at)"),
              "0");
    expect_good_manners(sim);

    d.process.send_signal(SIGTERM);
    EXPECT_EQ(d.process.wait_exit(20s), 0) << d.process.output();
}

TEST(PollingEndToEnd, SpareCallsFindHandsetReceiptsLongBeforeAnyPollIsDue) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    const auto port = testing::free_local_port();
    // ZNS 24/25 at twenty times real speed: accepted (a callback says so)
    // within a second, on the phone 0.25 to 15 s later, or never. No
    // callback tells the handset receipt (but for sends by Zalo user id).
    testing::ProviderSim sim({"--generate", "120", "--seed", "21", "--time-scale", "20",
                              "--only-types", "24,25", "--callback-url",
                              "http://127.0.0.1:" + std::to_string(port) + "/callback/esms"});
    ASSERT_NE(sim.port, 0) << sim.process.output();
    // No row is due for 90 s: only spare calls can ask before then.
    auto config = polling_config(db.url(), port, sim, "10m");
    edit(config, "grace: 1s\n  backoff: [1s, 2s]", "grace: 90s\n  backoff: [90s]");
    testing::Daemon d(config);
    ASSERT_EQ(d.port, port) << d.process.output();
    ASSERT_TRUE(d.wait_ready()) << d.process.output();
    ASSERT_EQ(testing::register_sim_messages(db.url(), sim), 120u);

    std::vector<std::string> delivered;
    const auto truth = sim.get("/sim/truth");
    for (const auto& m : truth.at("messages").as_array()) {
        if (testing::json_text(m.at("final_state")) == "delivered") {
            delivered.push_back("'" + testing::json_text(m.at("sms_id")) + "'");
        }
    }
    ASSERT_GT(delivered.size(), 30U);
    std::string list;
    for (const auto& id : delivered) {
        list += (list.empty() ? "" : ",") + id;
    }
    const auto shown = [&db, &list] {
        return std::stoul(
            db.scalar("SELECT count(*) FROM delivery_state WHERE state = "
                      "'delivered' AND sms_id IN (" +
                      list + ")"));
    };
    const auto deadline = Clock::now() + 60s;
    while (Clock::now() < deadline && shown() < delivered.size()) {
        std::this_thread::sleep_for(250ms);
    }
    EXPECT_EQ(shown(), delivered.size()) << d.process.output();
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_state WHERE poll_attempts > 0"), "0")
        << "a poll was due early";
    // Delivered without an answer noted: only a receipt a callback carried
    // (ZNS sent by Zalo user id).
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_state WHERE state = 'delivered' AND "
                        "polled_at IS NULL AND state_source <> 'callback'"),
              "0");
    const auto metrics = testing::http_get(port, "/metrics", 2s).body;
    EXPECT_NE(metrics.find("deliveryd_poll_claimed_early_rows_total{scope=\"esms/default\"}"),
              std::string::npos);
    // Every call that left was timed from its slot.
    EXPECT_NE(metrics.find("\ndeliveryd_poll_send_delay_seconds_count{account="),
              std::string::npos);
    expect_good_manners(sim);

    d.process.send_signal(SIGTERM);
    EXPECT_EQ(d.process.wait_exit(20s), 0) << d.process.output();
}

TEST(PollingEndToEnd, UnknownMessagesDueTogetherCostACheckNotTheAccount) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    const auto port = testing::free_local_port();
    testing::ProviderSim sim(
        {"--generate", "100", "--seed", "11", "--time-scale", "60", "--unknown-id-code", "101"});
    ASSERT_NE(sim.port, 0) << sim.process.output();
    testing::Daemon d(polling_config(db.url(), port, sim, "20s") + "log:\n  level: debug\n");
    ASSERT_EQ(d.port, port) << d.process.output();
    ASSERT_TRUE(d.wait_ready()) << d.process.output();
    ASSERT_EQ(testing::register_sim_messages(db.url(), sim), 100u);

    // Once GetSendStatus has answered with these keys, six messages the
    // provider never heard of come due together, ahead of every other row:
    // six different SMSIDs answer 101 in a row, as they would for wrong keys.
    const auto deadline = Clock::now() + 20s;
    while (Clock::now() < deadline &&
           db.scalar("SELECT count(*) FROM delivery_event WHERE source = 'get_send_status'") ==
               "0") {
        std::this_thread::sleep_for(100ms);
    }
    db.execute(
        "INSERT INTO delivery_state (sms_id, type_id, account, next_poll_at) "
        "SELECT 'never-sent-' || i, 2, 'default', now() - interval '1 hour' "
        "FROM generate_series(1, 6) AS i");

    bool gauge_raised = false;
    ASSERT_TRUE(wait_all_final(db, port, 90s, gauge_raised)) << d.process.output();
    EXPECT_FALSE(gauge_raised) << d.process.output();
    const auto log = d.process.output();
    EXPECT_NE(log.find("asking again about the message last answered"), std::string::npos)
        << "the keys were not checked: the test proves nothing\n"
        << log;
    EXPECT_EQ(log.find("refuses the account's credentials"), std::string::npos) << log;

    // The unknown messages expired; every other one reached the truth.
    EXPECT_EQ(db.scalar("SELECT count(*) FROM delivery_state "
                        "WHERE sms_id LIKE 'never-sent-%' AND state = 'expired'"),
              "6");
    const auto truth = sim.get("/sim/truth");
    for (const auto& m : truth.at("messages").as_array()) {
        const auto id = testing::json_text(m.at("sms_id"));
        EXPECT_EQ(db.scalar("SELECT state FROM delivery_state WHERE sms_id = '" + id + "'"),
                  testing::json_text(m.at("final_state")))
            << id;
    }
    expect_good_manners(sim);

    d.process.send_signal(SIGTERM);
    EXPECT_EQ(d.process.wait_exit(20s), 0) << d.process.output();
}

TEST(PollingEndToEnd, WrongKeysAreStillFoundAndThenProbedOnceAMinute) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    const auto port = testing::free_local_port();
    // The provider answers 101 for unknown messages too: with wrong keys,
    // every message looks unknown, and only their number tells.
    testing::ProviderSim sim(
        {"--generate", "60", "--seed", "5", "--time-scale", "60", "--unknown-id-code", "101"});
    ASSERT_NE(sim.port, 0) << sim.process.output();
    testing::Daemon d(polling_config(db.url(), port, sim, "1h", "not-the-sim-key"));
    ASSERT_EQ(d.port, port) << d.process.output();
    ASSERT_TRUE(d.wait_ready()) << d.process.output();
    ASSERT_EQ(testing::register_sim_messages(db.url(), sim), 60u);

    const auto deadline = Clock::now() + 20s;
    while (Clock::now() < deadline && !(credentials_failing(port, "send_status") &&
                                        credentials_failing(port, "get_callback"))) {
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(credentials_failing(port, "send_status")) << d.process.output();
    // GetCallback's 101 refuses a whole call, not a message: the keys at once.
    ASSERT_TRUE(credentials_failing(port, "get_callback")) << d.process.output();
    const auto send_status_refused = auth_failures(sim, "GetSendStatus");
    const auto get_callback_refused = auth_failures(sim, "GetCallback");
    EXPECT_GE(send_status_refused, 3) << "the evidence takes three different messages";

    // From now on one probe a minute: none in the next few seconds, or one
    // that left just before the gauge went up.
    std::this_thread::sleep_for(5s);
    EXPECT_LE(auth_failures(sim, "GetSendStatus") - send_status_refused, 1);
    EXPECT_LE(auth_failures(sim, "GetCallback") - get_callback_refused, 1);
    EXPECT_NE(d.process.output().find("refuses the account's credentials"), std::string::npos)
        << d.process.output();

    d.process.send_signal(SIGTERM);
    EXPECT_EQ(d.process.wait_exit(20s), 0) << d.process.output();
}

TEST(PollingReplicas, OneReplicaPollsEachScopeAndAnotherTakesOverAfterKill) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    // No callback URL: every status must be polled. 1,500 messages keep the
    // limiters busy for longer than the test runs (SMS at 10 calls/s).
    testing::ProviderSim sim({"--generate", "1500", "--seed", "3", "--time-scale", "60"});
    ASSERT_NE(sim.port, 0) << sim.process.output();
    std::vector<std::unique_ptr<testing::Daemon>> replicas;
    for (int i = 0; i < 3; ++i) {
        const auto port = testing::free_local_port();
        // Three sanitized replicas and the simulator share two cores: a wide
        // margin keeps scheduling jitter from bunching one replica's calls
        // into a violation, which would hide what this test is about (one
        // poller per scope, and a takeover that starts a window late).
        auto config = polling_config(db.url(), port, sim, "1h");
        edit(config, "  request_timeout: 5s\n", "  request_timeout: 5s\n  rate_margin: 0.2\n");
        replicas.push_back(std::make_unique<testing::Daemon>(config));
        ASSERT_NE(replicas.back()->port, 0) << replicas.back()->process.output();
        ASSERT_TRUE(replicas.back()->wait_ready()) << replicas.back()->process.output();
    }
    ASSERT_EQ(testing::register_sim_messages(db.url(), sim), 1500u);

    // Each scope is polled by exactly one replica.
    const auto holders = [&](const std::string& scope) {
        std::vector<std::size_t> found;
        for (std::size_t i = 0; i < replicas.size(); ++i) {
            if (replicas[i] && holds_scope(replicas[i]->port, scope)) {
                found.push_back(i);
            }
        }
        return found;
    };
    auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline && holders("esms/default").size() != 1) {
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(holders("esms/default").size(), 1u);
    EXPECT_EQ(holders("etelecom").size(), 1u);
    std::this_thread::sleep_for(4s);  // polling under way
    EXPECT_EQ(holders("esms/default").size(), 1u);

    // kill -9 the replica polling eSMS; another must resume within 10 s.
    const auto victim = holders("esms/default").front();
    const auto killed_at = Clock::now();
    replicas[victim]->process.send_signal(SIGKILL);
    (void)replicas[victim]->process.wait_exit(5s);
    replicas[victim].reset();
    const auto calls_at_kill = total_calls(sim);
    deadline = killed_at + 10s;
    while (Clock::now() < deadline && holders("esms/default").size() != 1) {
        std::this_thread::sleep_for(100ms);
    }
    const auto took = Clock::now() - killed_at;
    ASSERT_EQ(holders("esms/default").size(), 1u) << "no replica took esms/default over";
    EXPECT_LT(took, 10s);
    while (Clock::now() < killed_at + 10s && total_calls(sim) == calls_at_kill) {
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_GT(total_calls(sim), calls_at_kill) << "polling did not resume within 10 s";
    std::cout << "esms/default taken over "
              << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
              << " ms after kill -9\n";
    std::this_thread::sleep_for(2s);

    // No id was asked about twice in one round: two answers about the same
    // message from the same endpoint are never closer than the shortest
    // backoff step (1 s, less 10% jitter). A message whose poll failed is
    // retried sooner, but then no answer was stored for the failed try.
    EXPECT_EQ(db.scalar(R"sql(
        SELECT count(*) FROM (
            SELECT observed_at - lag(observed_at) OVER (PARTITION BY sms_id, source
                                                        ORDER BY observed_at) AS gap
            FROM delivery_event WHERE source <> 'callback') AS g
        WHERE gap < interval '900 milliseconds')sql"),
              "0");
    EXPECT_NE(db.scalar("SELECT count(*) FROM delivery_event"), "0");
    expect_good_manners(sim);
}

}  // namespace
}  // namespace deliveryd
