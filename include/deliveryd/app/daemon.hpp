// `deliveryd run`: wires the components together and runs them until SIGTERM
// or SIGINT, then stops them in reverse order. On SIGHUP it reads the
// configuration again and applies its provider sections (esms, etelecom: the
// accounts and their keys) by restarting polling; callbacks are served
// throughout.
#pragma once

#include <functional>

#include "deliveryd/app/config.hpp"

namespace deliveryd::app {

// Reads the configuration again (load_config_file on the same path); throws
// ConfigError naming every problem.
using ConfigReader = std::function<Config()>;

// Returns the process exit code. Without `reread`, SIGHUP is logged and
// ignored.
[[nodiscard]] int run_daemon(const Config& config, const ConfigReader& reread = {});

}  // namespace deliveryd::app
