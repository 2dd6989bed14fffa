// The `deliveryd` command line (DESIGN §4). Exit codes: 0 ok, 1 runtime
// failure, 2 bad usage or bad configuration.
#pragma once

namespace deliveryd::app {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

[[nodiscard]] int main(int argc, char** argv);

}  // namespace deliveryd::app
