// Process-wide logging through spdlog's default logger, on stderr: readable
// lines on a terminal, one JSON object per line when log.format is json (for
// Kubernetes log collectors). Call once at start-up; before that, spdlog's
// default (text to stdout) applies.
#pragma once

#include "deliveryd/app/config.hpp"

namespace deliveryd::app {

void setup_logging(const LogConfig& config);

}  // namespace deliveryd::app
