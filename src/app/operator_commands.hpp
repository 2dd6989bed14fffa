// The operator's commands (deliveryd status, requeue, import, rebuild,
// retention, erase): each reads its options, does its one job against the
// configured database, prints what it did on stdout and returns the exit
// code. Private to app/.
#pragma once

#include "deliveryd/app/config.hpp"

#include "app/cli_args.hpp"

namespace deliveryd::app {

[[nodiscard]] int run_status(const Config& config, const ParsedArgs& args);
[[nodiscard]] int run_requeue(const Config& config, const ParsedArgs& args);
[[nodiscard]] int run_import(const Config& config, const ParsedArgs& args);
[[nodiscard]] int run_rebuild(const Config& config, const ParsedArgs& args);
[[nodiscard]] int run_retention(const Config& config, const ParsedArgs& args);
[[nodiscard]] int run_erase(const Config& config, const ParsedArgs& args);

}  // namespace deliveryd::app
