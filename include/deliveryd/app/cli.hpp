// The `deliveryd` command line: run, migrate, check-config and the operator
// commands. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad
// configuration. Callers tell "try again" from "fix the invocation" by them
// (the systemd unit does not restart after 2: RestartPreventExitStatus=2), so
// their meaning does not change.
#pragma once

namespace deliveryd::app {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

[[nodiscard]] int main(int argc, char** argv);

}  // namespace deliveryd::app
