#include "resilience_support.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <signal.h>
#include <sstream>
#include <unordered_set>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "support/daemon.hpp"

namespace deliveryd::testing {

using namespace std::chrono_literals;

bool long_variant() {
    const char* value = std::getenv("DELIVERYD_RESILIENCE_LONG");
    return value != nullptr && std::string(value) == "1";
}

namespace {

bool bindable(unsigned short port) {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor acceptor(ioc);
    boost::system::error_code ec;
    acceptor.open(boost::asio::ip::tcp::v4(), ec);
    acceptor.set_option(boost::asio::ip::tcp::acceptor::reuse_address(true), ec);
    acceptor.bind({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    return !ec;
}

int ephemeral_low() {
    std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
    int low = 32768;
    in >> low;
    return low;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

std::vector<std::string> loadgen_args(unsigned short port, int connections,
                                      std::chrono::seconds hard_limit, int progress_ms,
                                      const std::string& record) {
    return {"--port",        std::to_string(port),
            "--connections", std::to_string(connections),
            "--duration",    std::to_string(hard_limit.count()),
            "--record",      record,
            "--progress-ms", std::to_string(progress_ms),
            "--timeout-ms",  "10000",
            "--seeds",       std::string(DELIVERYD_SOURCE_DIR) + "/tests/data/seeds"};
}

}  // namespace

unsigned short non_ephemeral_port() {
    const int high = std::min(ephemeral_low(), 65536) - 1;
    const int low = std::max(10000, high - 12000);
    std::random_device random;
    std::uniform_int_distribution<int> pick(low, high);
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto port = static_cast<unsigned short>(pick(random));
        if (bindable(port)) {
            return port;
        }
    }
    return free_local_port();
}

std::string resilience_config(const std::string& database_url, unsigned short port) {
    return "database:\n  url: " + database_url +
           "\n  connect_timeout: 2s\nhttp:\n  listen: 127.0.0.1:" + std::to_string(port) +
           "\nreconcile:\n  poll: false\n";
}

std::int64_t unix_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Loadgen::Loadgen(unsigned short port, int connections, std::chrono::seconds hard_limit,
                 int progress_ms)
    : record_(write_temp_file("", ".acks")),
      process_(LOADGEN_BINARY, loadgen_args(port, connections, hard_limit, progress_ms, record_)) {}

boost::json::object Loadgen::finish() {
    process_.send_signal(SIGTERM);
    const auto code = process_.wait_exit(30s);
    EXPECT_EQ(code, 0) << "loadgen:\n" << process_.output().substr(0, 20000);
    for (const auto& line : lines_of(process_.output())) {
        if (line.starts_with("{\"event\":\"summary\"")) {
            return boost::json::parse(line).as_object();
        }
    }
    return {};
}

std::uintmax_t Loadgen::record_bytes() const {
    std::error_code ec;
    const auto size = std::filesystem::file_size(record_, ec);
    return ec ? 0 : size;
}

std::vector<boost::json::object> Loadgen::progress() const {
    std::vector<boost::json::object> lines;
    for (const auto& line : lines_of(process_.output())) {
        if (line.starts_with("{\"event\":\"progress\"")) {
            lines.push_back(boost::json::parse(line).as_object());
        }
    }
    return lines;
}

std::vector<Ack> read_record(const std::string& path) {
    std::vector<Ack> acks;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        Ack ack;
        if (fields >> ack.sms_id >> ack.sent_us >> ack.answered_us) {
            acks.push_back(std::move(ack));
        } else {
            ADD_FAILURE() << "malformed record line: " << line;
        }
    }
    return acks;
}

StoredCheck check_stored(const std::string& database_url, const std::vector<Ack>& acks) {
    StoredCheck check;
    check.acknowledged = acks.size();
    std::unordered_set<std::string> distinct;
    // loadgen's ids are [A-Za-z0-9._-] only: quoted, they need no escaping.
    std::string array = "{";
    for (const auto& ack : acks) {
        if (distinct.insert(ack.sms_id).second) {
            array += (array.size() > 1 ? ",\"" : "\"") + ack.sms_id + "\"";
        }
    }
    array += "}";
    check.distinct = distinct.size();
    pqxx::connection c(database_url);
    pqxx::read_transaction tx(c);
    const auto counts = tx.exec_params1(
        "SELECT count(*) FILTER (WHERE NOT EXISTS "
        "  (SELECT 1 FROM delivery_state s WHERE s.sms_id = a.id)), "
        "count(*) FILTER (WHERE NOT EXISTS "
        "  (SELECT 1 FROM delivery_event e WHERE e.sms_id = a.id)) "
        "FROM unnest($1::text[]) AS a(id)",
        array);
    check.missing_state = counts[0].as<std::size_t>();
    check.missing_event = counts[1].as<std::size_t>();
    if (check.missing_state + check.missing_event > 0) {
        for (const auto& row :
             tx.exec_params("SELECT a.id FROM unnest($1::text[]) AS a(id) WHERE NOT EXISTS "
                            "(SELECT 1 FROM delivery_state s WHERE s.sms_id = a.id) OR NOT EXISTS "
                            "(SELECT 1 FROM delivery_event e WHERE e.sms_id = a.id) LIMIT 5",
                            array)) {
            check.examples.push_back(row[0].as<std::string>());
        }
    }
    return check;
}

void report_summary(const std::string& line) {
    std::cout << "RESILIENCE " << line << std::endl;
    if (const char* path = std::getenv("DELIVERYD_RESILIENCE_SUMMARY")) {
        std::ofstream(path, std::ios::app) << line << "\n";
    }
}

std::uint64_t number(const boost::json::object& o, const char* key) {
    const auto* value = o.if_contains(key);
    if (value == nullptr) {
        return 0;
    }
    if (value->is_uint64()) {
        return value->as_uint64();
    }
    if (value->is_int64()) {
        return static_cast<std::uint64_t>(value->as_int64());
    }
    return 0;
}

}  // namespace deliveryd::testing
