// Shared by the resilience tests: tools/loadgen as a child process, its
// record of acknowledged SMSIDs, and the check that each one is stored.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "support/child_process.hpp"

namespace deliveryd::testing {

// DELIVERYD_RESILIENCE_LONG=1 (tests/resilience/run.sh) selects the long runs.
[[nodiscard]] bool long_variant();

// A port on 127.0.0.1, free a moment ago, below the kernel's ephemeral range:
// a client reconnecting in a loop to an ephemeral port nobody listens on can
// end up connected to itself (TCP simultaneous open) and hold the port that
// deliveryd is about to bind again.
[[nodiscard]] unsigned short non_ephemeral_port();

// deliveryd's configuration for these tests: a fixed port, so a restarted
// deliveryd is found where the load generator keeps reconnecting.
[[nodiscard]] std::string resilience_config(const std::string& database_url, unsigned short port);

[[nodiscard]] std::int64_t unix_us();

// The load generator's connections in each test: enough to batch commits.
constexpr int load_connections = 32;

class Loadgen {
  public:
    Loadgen(unsigned short port, int connections, std::chrono::seconds hard_limit,
            int progress_ms = 0);
    // Stops it (SIGTERM) and returns its summary ({} if it printed none).
    boost::json::object finish();
    // Size of the record so far: grows with every acknowledged callback.
    [[nodiscard]] std::uintmax_t record_bytes() const;
    [[nodiscard]] const std::string& record_path() const { return record_; }
    // The progress lines printed so far, parsed.
    [[nodiscard]] std::vector<boost::json::object> progress() const;
    [[nodiscard]] std::string output() const { return process_.output(); }

  private:
    std::string record_;
    ChildProcess process_;
};

struct Ack {
    std::string sms_id;
    std::int64_t sent_us = 0;
    std::int64_t answered_us = 0;
};

[[nodiscard]] std::vector<Ack> read_record(const std::string& path);

struct StoredCheck {
    std::size_t acknowledged = 0;
    std::size_t distinct = 0;
    std::size_t missing_state = 0;      // acknowledged, no row in delivery_state
    std::size_t missing_event = 0;      // acknowledged, no row in delivery_event
    std::vector<std::string> examples;  // a few of the missing ids
};

[[nodiscard]] StoredCheck check_stored(const std::string& database_url,
                                       const std::vector<Ack>& acks);

// Prints "RESILIENCE <line>" and appends the line to the file named by
// DELIVERYD_RESILIENCE_SUMMARY when that is set.
void report_summary(const std::string& line);

[[nodiscard]] std::uint64_t number(const boost::json::object& o, const char* key);

}  // namespace deliveryd::testing
