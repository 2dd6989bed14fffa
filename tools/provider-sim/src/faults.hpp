// Fault injection for the provider endpoints (never /sim/* or /healthz).
// Shares are probabilities per request; at most one of the exclusive faults
// (reset, timeout, 5xx, truncated, malformed, bad_code) hits a request, so
// their sum must not exceed 1. Latency adds to any answer.
#pragma once

#include <array>
#include <string>

#include <boost/json/value.hpp>

#include "clock.hpp"
#include "rate_window.hpp"
#include "rng.hpp"

namespace deliveryd::sim {

enum class fault_kind {
    none,
    reset,      // read the request, then reset the connection (RST), no answer
    timeout,    // read the request, never answer; close after `hang`
    error_5xx,  // HTTP 503 (eSMS, IIS-style HTML) / 500 {"code":"internal"} (eTelecom)
    truncated,  // Content-Length of the full body, half the body sent, then close
    malformed,  // HTTP 200, complete message, body is cut-off JSON
    bad_code,   // HTTP 200, well-formed answer with a non-100 result code
};
constexpr std::size_t fault_kind_count = 7;
std::string_view to_string(fault_kind k);

struct fault_config {
    milliseconds latency{0};         // fixed delay before every answer
    milliseconds latency_jitter{0};  // plus uniform [0, jitter]
    double reset = 0;
    double timeout = 0;
    double error_5xx = 0;
    double truncated = 0;
    double malformed = 0;
    double bad_code = 0;
    milliseconds hang{30000};  // how long a `timeout` fault holds the connection
    // Endpoints the faults apply to, in `endpoint` order: by default GetCallback,
    // GetSendStatus, GetZaloMessageStatus, GetMessage and ListMessages;
    // QueryZnsStatus and GetSmsSentData_V2 only when named.
    std::array<bool, endpoint_count> endpoints{true, true, true, true, false, false, true};

    [[nodiscard]] bool applies_to(endpoint e) const {
        return endpoints[static_cast<std::size_t>(e)];
    }
};

// Updates `config` from a JSON object: any subset of
// {latency_ms, latency_jitter_ms, reset, timeout, error_5xx, truncated,
//  malformed, bad_code, hang_ms, endpoints: ["GetCallback", ...]}.
// Returns an error text (config unchanged) or empty on success.
std::string update_faults(fault_config& config, const boost::json::value& update);
// Checks shares are in [0, 1] and sum to at most 1; error text or empty.
std::string validate(const fault_config& config);
boost::json::value to_json(const fault_config& config);

// Draws the fault and latency for one request.
class fault_picker {
  public:
    explicit fault_picker(std::uint64_t seed) : rng_(seed) {}
    fault_kind pick(const fault_config& config, endpoint e);
    milliseconds latency(const fault_config& config);

  private:
    rng rng_;
};

}  // namespace deliveryd::sim
