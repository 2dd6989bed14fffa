// provider-sim: parses options, builds the messages, serves until SIGTERM.
// Exit codes: 0 ok, 2 bad usage or input, 1 runtime failure.
#include <cstdio>
#include <fstream>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "json_writer.hpp"
#include "message_file.hpp"
#include "simulator.hpp"

namespace sim = deliveryd::sim;

int main(int argc, char** argv) {
    // stdout carries only the "listening on" line; logs go to stderr.
    spdlog::set_default_logger(spdlog::stderr_color_mt("provider-sim"));
    sim::options opts;
    std::vector<sim::message> messages;
    sim::sim_time start{};
    try {
        opts = sim::parse_options(std::vector<std::string>(argv + 1, argv + argc));
        if (opts.help) {
            std::cout << sim::usage();
            return 0;
        }
        spdlog::set_level(spdlog::level::from_str(opts.log_level));
        start = opts.start_time.value_or(
            std::chrono::floor<sim::milliseconds>(std::chrono::system_clock::now()));
        messages = sim::load_or_generate(opts, start);
    } catch (const std::exception& e) {
        std::cerr << "provider-sim: " << e.what() << "\n";
        return 2;
    }
    if (!opts.write_messages.empty()) {
        std::ofstream out(opts.write_messages);
        out << sim::write_json(sim::messages_to_json(messages, start)) << "\n";
        if (!out) {
            std::cerr << "provider-sim: cannot write " << opts.write_messages << "\n";
            return 1;
        }
        return 0;
    }
    try {
        auto count = messages.size();
        sim::simulator simulator(opts, std::move(messages),
                                 std::make_unique<sim::scaled_clock>(start, opts.time_scale));
        auto where = simulator.listen();
        simulator.handle_signals();
        spdlog::info("{} messages, time scale {}, callbacks to {}", count, opts.time_scale,
                     opts.callback_url.empty() ? "(none)" : opts.callback_url);
        std::cout << "listening on " << where.address().to_string() << ":" << where.port()
                  << std::endl;
        simulator.run();
        spdlog::info("stopped");
        return 0;
    } catch (const sim::options_error& e) {
        std::cerr << "provider-sim: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "provider-sim: " << e.what() << "\n";
        return 1;
    }
}
