// The bodies of injected faults that are still complete HTTP answers
// (error_5xx, malformed, bad_code). Socket-level faults (reset, timeout,
// truncated) are done by the server.
#pragma once

#include "api_types.hpp"
#include "faults.hpp"

namespace deliveryd::sim {

// eSMS: 503 with an IIS-style HTML page; eTelecom: 500 {"code":"internal",...}.
http_response error_5xx_response(endpoint e, const http_request& req);
// HTTP 200, well-formed, result code 99 "Unknown error" (eSMS) or
// 503 {"code":"unavailable"} (eTelecom, which has no result codes).
http_response bad_code_response(endpoint e, const http_request& req);
// `res` with its body cut in half (a complete HTTP message carrying bad JSON).
void make_malformed(http_response& res);

}  // namespace deliveryd::sim
