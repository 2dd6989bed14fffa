#include "deliveryd/app/cli.hpp"

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deliveryd/app/config.hpp"
#include "deliveryd/app/daemon.hpp"
#include "deliveryd/app/logging.hpp"
#include "deliveryd/store/errors.hpp"
#include "deliveryd/store/migrations.hpp"

namespace deliveryd::app {
namespace {

struct Command {
    std::string_view name;
    std::string_view summary;
    std::string_view help;
};

constexpr Command commands[] = {
    {"run", "run the daemon: callback receiver, status polling, health and metrics",
     "Usage: deliveryd run --config FILE\n\n"
     "Serves the provider callback, /healthz, /readyz and /metrics on http.listen and polls\n"
     "the providers for unresolved messages. Stops cleanly on SIGTERM or SIGINT: stops\n"
     "accepting, finishes what is in flight, exits 0.\n"},
    {"migrate", "apply pending database migrations (safe to repeat and to run concurrently)",
     "Usage: deliveryd migrate --config FILE\n\n"
     "Applies the migrations compiled into this binary that the database lacks, each in\n"
     "its own transaction, under an advisory lock. Does nothing when the schema is current.\n"},
    {"check-config", "validate a configuration file and print it with secrets redacted",
     "Usage: deliveryd check-config --config FILE\n\n"
     "Exits 0 and prints the effective configuration (defaults filled in, ${VAR}s\n"
     "expanded, secrets redacted), or exits 2 naming every bad key.\n"},
};

void print_usage(std::FILE* out) {
    std::fputs(
        "deliveryd: keeps the delivery status of SMS and Zalo ZNS messages true.\n\n"
        "Usage: deliveryd COMMAND --config FILE\n       deliveryd COMMAND --help\n"
        "       deliveryd --version\n\nCommands:\n",
        out);
    for (const auto& c : commands) {
        std::fputs(fmt::format("  {:<14}{}\n", c.name, c.summary).c_str(), out);
    }
    std::fputs("\nExit codes: 0 ok, 1 runtime failure, 2 bad usage or bad configuration.\n", out);
}

int usage_error(const std::string& message) {
    std::fputs(fmt::format("deliveryd: {}\nTry 'deliveryd --help'.\n", message).c_str(), stderr);
    return exit_usage;
}

const Command* find_command(std::string_view name) {
    for (const auto& c : commands) {
        if (c.name == name) {
            return &c;
        }
    }
    return nullptr;
}

int run_migrate(const Config& config) {
    try {
        const auto result = store::migrate(config.database.url);
        if (result.applied.empty()) {
            spdlog::info("migrate: schema is current (version {})", result.version);
        } else {
            spdlog::info("migrate: applied {} migration(s); schema version {}",
                         result.applied.size(), result.version);
        }
        return exit_ok;
    } catch (const std::exception& e) {
        spdlog::error("migrate failed: {}", e.what());
        return exit_failure;
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.empty()) {
        print_usage(stderr);
        return exit_usage;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_usage(stdout);
        return exit_ok;
    }
    if (args[0] == "--version") {
        std::puts("deliveryd " DELIVERYD_VERSION);
        return exit_ok;
    }
    const Command* command = find_command(args[0]);
    if (command == nullptr) {
        return usage_error(fmt::format("unknown command '{}'", args[0]));
    }

    std::optional<std::string> config_path;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--help" || args[i] == "-h") {
            std::fputs(std::string(command->help).c_str(), stdout);
            return exit_ok;
        }
        if (args[i] == "--config" && i + 1 < args.size()) {
            config_path = std::string(args[++i]);
        } else if (args[i].rfind("--config=", 0) == 0) {
            config_path = std::string(args[i].substr(9));
        } else {
            return usage_error(fmt::format("{}: unexpected argument '{}'", command->name, args[i]));
        }
    }
    if (!config_path) {
        return usage_error(fmt::format("{}: --config FILE is required", command->name));
    }

    Config config;
    try {
        config = load_config_file(*config_path);
    } catch (const ConfigError& e) {
        std::fputs(fmt::format("deliveryd: {}: {}\n", *config_path, e.what()).c_str(), stderr);
        return exit_usage;
    }

    if (command->name == "check-config") {
        std::fputs(to_redacted_yaml(config).c_str(), stdout);
        return exit_ok;
    }
    setup_logging(config.log);
    if (command->name == "migrate") {
        return run_migrate(config);
    }
    return run_daemon(config);
}

}  // namespace deliveryd::app
