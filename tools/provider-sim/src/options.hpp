// Command line of provider-sim (docs/provider-sim.md lists every option).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "api_types.hpp"
#include "callback_dispatcher.hpp"
#include "faults.hpp"
#include "http_server.hpp"

namespace deliveryd::sim {

class options_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct options {
    std::string listen_host = "127.0.0.1";
    unsigned short listen_port = 18080;
    std::string messages_file;  // empty: generate
    std::size_t generate = 100;
    std::uint64_t seed = 1;
    double time_scale = 1;
    std::optional<sim_time> start_time;  // default: now
    milliseconds submit_spread{0};
    bool etelecom_messages = true;
    double zns_without_callback = 0;
    std::vector<int> only_types;  // empty: every type
    credentials creds;
    unknown_id_answer unknown_id = unknown_id_answer::code_105;
    rate_limits limits;
    std::size_t list_messages_max_limit = default_list_messages_max_limit;
    std::string callback_url;
    double drop_callbacks = 0;
    dispatcher_config callbacks;
    fault_config faults;
    server_config server;
    std::string write_messages;  // write the message set to this file and exit
    std::string log_level = "info";
    bool help = false;
};

// Parses argv[1..]; throws options_error naming the option and the problem.
options parse_options(const std::vector<std::string>& args);
std::string usage();

}  // namespace deliveryd::sim
