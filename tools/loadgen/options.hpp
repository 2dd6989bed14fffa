// loadgen's command line. Part of tools/loadgen.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace loadgen {

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Options {
    unsigned short port = 0;
    int connections = 32;
    double duration_s = 10;  // 0: until signalled
    std::string prefix;
    std::string record_path;
    std::string seeds_dir = LOADGEN_DEFAULT_SEEDS;
    std::string path = "/callback/esms";
    int progress_ms = 0;  // 0: no progress lines
    int timeout_ms = 10000;
    int reconnect_delay_ms = 20;
};

extern const char* const usage_text;

// nullopt: --help was asked for. Throws UsageError naming the option.
[[nodiscard]] std::optional<Options> parse_options(int argc, char** argv);

}  // namespace loadgen
