#include "support/provider_sim.hpp"

#include <algorithm>
#include <optional>

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "support/http_get.hpp"

namespace deliveryd::testing {

using namespace std::chrono_literals;
namespace json = boost::json;

ProviderSim::ProviderSim(std::vector<std::string> args)
    : process(PROVIDER_SIM_BINARY, [&] {
          args.insert(args.begin(), {"--listen", "127.0.0.1:0", "--log-level", "warn"});
          return args;
      }()) {
    if (const auto line = process.wait_for_line("listening on", 20s)) {
        port = port_from_listening_line(*line).value_or(0);
    }
}

json::value ProviderSim::get(const std::string& target) const {
    const auto result = http_get(port, target);
    if (result.status != 200) {
        return nullptr;
    }
    boost::system::error_code ec;
    auto value = json::parse(result.body, ec);
    return ec ? json::value(nullptr) : value;
}

bool ProviderSim::set_faults(const std::string& settings) const {
    using namespace std::chrono_literals;
    const auto request =
        "POST /sim/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nConnection: close\r\n"
        "Content-Length: " +
        std::to_string(settings.size()) + "\r\n\r\n" + settings;
    return raw_exchange(port, request, 5s) == 200;
}

std::string ProviderSim::url() const {
    return "http://127.0.0.1:" + std::to_string(port);
}

std::string json_text(const json::value& v) {
    if (v.is_string()) {
        return std::string(v.as_string());
    }
    if (v.is_null()) {
        return "NULL";
    }
    return json::serialize(v);
}

std::size_t register_sim_messages(const std::string& database_url, const ProviderSim& sim) {
    const auto messages = sim.get("/sim/messages");
    if (!messages.is_object()) {
        return 0;
    }
    const auto optional_text = [](const json::value& v) {
        return v.is_null() ? std::nullopt : std::optional(json_text(v));
    };
    // In sms_id order, as a sender registering a batch should: deliveryd
    // inserts the rows a batch of callbacks creates in that order too, so
    // the two never wait for each other in a cycle (a deadlock).
    std::vector<const json::object*> sorted;
    for (const auto& m : messages.at("messages").as_array()) {
        sorted.push_back(&m.as_object());
    }
    std::sort(sorted.begin(), sorted.end(), [](const json::object* a, const json::object* b) {
        return a->at("sms_id").as_string() < b->at("sms_id").as_string();
    });
    pqxx::connection c(database_url);
    pqxx::work tx(c);
    std::size_t count = 0;
    for (const auto* o : sorted) {
        tx.exec_params(
            "INSERT INTO delivery_state (sms_id, provider, account, type_id, oa_id, phone) "
            "VALUES ($1, $2, $3, $4::int, $5, $6) ON CONFLICT (sms_id) DO NOTHING",
            json_text(o->at("sms_id")), json_text(o->at("provider")), json_text(o->at("account")),
            optional_text(o->at("type_id")), optional_text(o->at("oa_id")),
            optional_text(o->at("phone")));
        ++count;
    }
    tx.commit();
    return count;
}

}  // namespace deliveryd::testing
