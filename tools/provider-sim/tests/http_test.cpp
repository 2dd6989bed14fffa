// The whole simulator over real HTTP on 127.0.0.1:0: stats, keep-alive,
// faults at runtime, callbacks end to end, and a clean stop.
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "generator.hpp"
#include "simulator.hpp"
#include "test_support.hpp"

namespace deliveryd::sim {
namespace {

namespace json = boost::json;
using namespace test;

// Runs a simulator on 127.0.0.1:0 in a thread for the lifetime of the object.
class running_sim {
  public:
    explicit running_sim(options opts, std::vector<message> messages = {}) {
        opts.listen_host = "127.0.0.1";
        opts.listen_port = 0;
        auto start = std::chrono::floor<milliseconds>(std::chrono::system_clock::now());
        if (messages.empty()) {
            messages = load_or_generate(opts, start);
        }
        sim_ = std::make_unique<simulator>(opts, std::move(messages),
                                           std::make_unique<scaled_clock>(start, opts.time_scale));
        port_ = sim_->listen().port();
        thread_ = std::thread([this] { sim_->run(); });
    }
    ~running_sim() {
        sim_->stop();
        thread_.join();
    }
    running_sim(const running_sim&) = delete;
    running_sim& operator=(const running_sim&) = delete;

    [[nodiscard]] unsigned short port() const { return port_; }

    json::value get(const std::string& target) const {
        auto r = http_call(port_, make_request(http::verb::get, target));
        EXPECT_FALSE(r.ec) << target << ": " << r.ec.message();
        return parse_json(r.response.body());
    }

    json::value post(const std::string& target, const json::value& body) const {
        auto r = http_call(port_, make_request(http::verb::post, target, json::serialize(body)));
        EXPECT_FALSE(r.ec) << target << ": " << r.ec.message();
        return parse_json(r.response.body());
    }

  private:
    std::unique_ptr<simulator> sim_;
    std::thread thread_;
    unsigned short port_ = 0;
};

http_request zalo_status_request() {
    return make_request(http::verb::post, "/MainService.svc/json/GetZaloMessageStatus",
                        R"({"ApiKey":"sim-api-key","SecretKey":"sim-secret-key",)"
                        R"("OAID":"1397492183140006179","MessageId":"nope"})");
}

options small() {
    options o;
    o.generate = 50;
    return o;
}

TEST(Http, StatsCountCallsPerKeyAndTheBusiestSecond) {
    running_sim sim(small());
    std::vector<http_request> reqs(35, zalo_status_request());
    auto results = http_calls_keep_alive(sim.port(), reqs);
    int ok = 0, refused = 0;
    for (const auto& r : results) {
        ASSERT_FALSE(r.ec) << r.ec.message();
        auto code = parse_json(r.response.body()).at("CodeResult").as_string();
        ok += code == "100" ? 1 : 0;
        refused += code == "160" ? 1 : 0;
    }
    // 35 calls on one connection take far less than a second.
    EXPECT_EQ(ok, 30);
    EXPECT_EQ(refused, 5);

    auto stats = sim.get("/sim/stats");
    const auto& key = stats.at("endpoints").at("GetZaloMessageStatus").at("keys").at("sim-api-key");
    EXPECT_EQ(key.at("calls").to_number<std::uint64_t>(), 35U);
    EXPECT_EQ(key.at("violations").to_number<std::uint64_t>(), 5U);
    EXPECT_EQ(key.at("max_calls_in_1s").to_number<std::uint64_t>(), 35U);
    EXPECT_EQ(stats.at("violations").to_number<std::uint64_t>(), 5U);
    EXPECT_EQ(stats.at("messages").to_number<std::uint64_t>(), 50U);

    auto reset = sim.post("/sim/stats/reset", json::object{});
    EXPECT_EQ(reset.at("violations").to_number<std::uint64_t>(), 0U);
}

TEST(Http, HealthzTruthAndMessages) {
    running_sim sim(small());
    auto health = http_call(sim.port(), make_request(http::verb::get, "/healthz"));
    ASSERT_FALSE(health.ec);
    EXPECT_EQ(health.response.result(), http::status::ok);
    auto truth = sim.get("/sim/truth");
    EXPECT_EQ(truth.at("messages").as_array().size(), 50U);
    auto messages = sim.get("/sim/messages");
    ASSERT_EQ(messages.at("messages").as_array().size(), 50U);
    const auto& first = messages.at("messages").at(0).as_object();
    for (const char* field : {"sms_id", "provider", "account", "type_id", "oa_id", "phone",
                              "template_id", "submitted_at"}) {
        EXPECT_TRUE(first.contains(field)) << field;
    }
}

TEST(Http, FaultsChangeAtRuntime) {
    running_sim sim(small());
    auto faults = sim.post("/sim/faults", json::object{{"error_5xx", 1.0}});
    EXPECT_EQ(faults.at("error_5xx").as_double(), 1.0);
    auto r = http_call(sim.port(), zalo_status_request());
    ASSERT_FALSE(r.ec);
    EXPECT_EQ(r.response.result(), http::status::service_unavailable);

    sim.post("/sim/faults", json::object{{"error_5xx", 0.0}, {"malformed", 1.0}});
    r = http_call(sim.port(), zalo_status_request());
    ASSERT_FALSE(r.ec);
    EXPECT_EQ(r.response.result(), http::status::ok);
    EXPECT_EQ(parse_json(r.response.body()), json::value("<invalid JSON>"));

    sim.post("/sim/faults", json::object{{"malformed", 0.0}, {"truncated", 1.0}});
    r = http_call(sim.port(), zalo_status_request());
    EXPECT_TRUE(r.ec);  // the body ends before Content-Length says

    sim.post("/sim/faults", json::object{{"truncated", 0.0}, {"reset", 1.0}});
    r = http_call(sim.port(), zalo_status_request());
    EXPECT_TRUE(r.ec);

    sim.post("/sim/faults", json::object{{"reset", 0.0}, {"timeout", 1.0}, {"hang_ms", 5000}});
    r = http_call(sim.port(), zalo_status_request(), 300ms);
    EXPECT_TRUE(r.ec);

    sim.post("/sim/faults", json::object{{"timeout", 0.0}, {"latency_ms", 150}});
    auto before = std::chrono::steady_clock::now();
    r = http_call(sim.port(), zalo_status_request());
    EXPECT_FALSE(r.ec);
    EXPECT_GE(std::chrono::steady_clock::now() - before, 150ms);

    // /sim/* is never faulted, and bad updates are refused whole.
    auto bad = http_call(sim.port(), make_request(http::verb::post, "/sim/faults",
                                                  R"({"reset":0.8,"timeout":0.8})"));
    EXPECT_EQ(bad.response.result(), http::status::bad_request);
    auto stats = sim.get("/sim/stats");
    const auto& injected = stats.at("faults_injected");
    for (const char* kind : {"error_5xx", "malformed", "truncated", "reset", "timeout"}) {
        EXPECT_EQ(injected.at(kind).to_number<std::uint64_t>(), 1U) << kind;
    }
}

TEST(Http, ListMessagesIsServedAndFaultedLikeGetMessage) {
    options o = small();
    o.list_messages_max_limit = 5;
    o.limits.etelecom_list_messages = 0;  // two calls in a row
    running_sim sim(o);
    auto list_request = [] {
        auto req = make_request(http::verb::post, "/v1/shop.Zalo/ListMessages",
                                R"({"paging":{"limit":50}})");
        req.set(http::field::authorization, "Bearer sim-etelecom-key");
        return req;
    };
    auto r = http_call(sim.port(), list_request());
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.response.result(), http::status::ok);
    auto page = parse_json(r.response.body());
    EXPECT_EQ(page.at("paging").at("limit").to_number<std::int64_t>(), 5);
    EXPECT_LE(page.at("messages").as_array().size(), 5U);

    // Faults reach it by default, in eTelecom's Twirp shape.
    sim.post("/sim/faults", json::object{{"error_5xx", 1.0}});
    r = http_call(sim.port(), list_request());
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.response.result(), http::status::internal_server_error);
    EXPECT_EQ(parse_json(r.response.body()).at("code").as_string(), "internal");

    // As for every endpoint, the answer a fault replaces was counted first.
    auto stats = sim.get("/sim/stats");
    EXPECT_EQ(stats.at("list_messages_pages").to_number<std::uint64_t>(), 2U);
    EXPECT_EQ(stats.at("faults_injected").at("error_5xx").to_number<std::uint64_t>(), 1U);
    EXPECT_EQ(stats.at("endpoints")
                  .at("ListMessages")
                  .at("keys")
                  .at("sim-etelecom-key")
                  .at("calls")
                  .to_number<std::uint64_t>(),
              2U);
}

TEST(Http, CallbacksReachTheReceiverAndGetCallbackFillsTheGaps) {
    callback_receiver receiver(0);
    options o;
    o.time_scale = 1000;  // the generated timelines (seconds to minutes) pass quickly
    o.generate = 40;
    o.seed = 5;
    o.drop_callbacks = 0.3;
    o.callbacks.retry_delay = milliseconds(10);
    o.callback_url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/cb";
    running_sim sim(o);
    json::value stats;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
        stats = sim.get("/sim/stats");
        const auto& cb = stats.at("callbacks");
        if (cb.at("pending").to_number<std::uint64_t>() == 0 &&
            cb.at("in_flight").to_number<std::uint64_t>() == 0 &&
            cb.at("queued").to_number<std::uint64_t>() == 0) {
            break;
        }
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << json::serialize(stats);
        std::this_thread::sleep_for(20ms);
    }
    const auto& cb = stats.at("callbacks");
    EXPECT_GT(cb.at("dropped").to_number<std::uint64_t>(), 0U);
    EXPECT_EQ(
        cb.at("sent").to_number<std::uint64_t>() + cb.at("dropped").to_number<std::uint64_t>(),
        cb.at("scheduled").to_number<std::uint64_t>());
    EXPECT_EQ(static_cast<std::uint64_t>(receiver.requests()),
              cb.at("sent").to_number<std::uint64_t>());

    // Every ZNS of the default OA that has a status is in GetCallback,
    // dropped or not.
    auto truth = sim.get("/sim/truth");
    json::array ids;
    std::string oa;
    std::size_t expected = 0;
    for (const auto& m : truth.at("messages").as_array()) {
        if (m.at("provider") == "esms" && !m.at("oa_id").is_null() &&
            m.at("state") != "submitted") {
            if (oa.empty()) {
                oa = m.at("oa_id").as_string();
            }
            if (m.at("oa_id") == oa.c_str()) {
                ids.emplace_back(m.at("sms_id"));
                ++expected;
            }
        }
    }
    ASSERT_GT(expected, 0U);
    auto answer =
        sim.post("/ZaloCallback/GetCallback", json::object{{"ApiKey", "sim-api-key"},
                                                           {"SecretKey", "sim-secret-key"},
                                                           {"ListRefid", ids},
                                                           {"OAId", oa}});
    EXPECT_EQ(answer.at("Data_callback").as_array().size(), expected);
}

TEST(Http, StopsCleanlyWithOpenConnections) {
    auto sim = std::make_unique<running_sim>(small());
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket idle(ioc);
    idle.connect({boost::asio::ip::make_address("127.0.0.1"), sim->port()});
    auto before = std::chrono::steady_clock::now();
    sim.reset();  // stop() + join with a connection still open
    EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
}

}  // namespace
}  // namespace deliveryd::sim
