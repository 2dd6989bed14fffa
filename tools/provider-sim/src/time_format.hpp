// Text forms of times and durations used by the providers and our options.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "clock.hpp"

namespace deliveryd::sim {

// 2025-06-14T09:22:59.089Z (eTelecom, /sim/* reports).
std::string format_rfc3339(sim_time t);
// Accepts YYYY-MM-DDTHH:MM:SS[.fff](Z|+hh:mm|-hh:mm).
std::optional<sim_time> parse_rfc3339(std::string_view text);
// dd/MM/yyyy HH:mm:ss in Vietnam time (UTC+7): the error_info suffix of
// TypeId 26/27 callbacks.
std::string format_vn_suffix(sim_time t);
// yyyy-MM-dd HH:mm:ss in Vietnam time: GetSmsSentData_V2's From and To.
std::optional<sim_time> parse_vn_local(std::string_view text);
// /Date(1705484048995+0700)/: the WCF dates of eSMS's .NET services.
std::string format_wcf_date(sim_time t);
// "250ms", "30s", "2m", "6h", "7d"; a bare number means milliseconds.
std::optional<milliseconds> parse_duration(std::string_view text);

}  // namespace deliveryd::sim
