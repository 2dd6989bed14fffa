// What one status call's answer means for the scheduler (issue 6 items 3, 5):
// the Observations to store, and what to do with the rows asked about and
// with the (account, endpoint) the call was made under. Pure: the scheduler
// does the I/O, this decides.
//
// Verdicts:
//  * answered: the provider answered about the rows (code 100; also eSMS
//    105 / 854 "no data yet", GetZaloMessageStatus -1, eTelecom 404
//    not_found, and ids GetCallback left out). Observations are stored,
//    every row asked about counts a poll and backs off on the normal schedule.
//  * rejected: the provider refused the request for these rows (a permanent
//    eSMS code, eTelecom 400): counted like an answer, so the row backs off
//    and eventually expires instead of being asked in a loop.
//  * retry: no usable answer (timeout, connection failure, HTTP 5xx,
//    malformed body, an eSMS code to retry): the rows come back soon, the
//    key's consecutive-failure count grows, nothing is counted.
//  * tps_exceeded: the provider counted more than its limit (eSMS 160, HTTP
//    429): like retry, and the key pauses for a second.
//  * credentials: the account is misconfigured (eSMS 101..., HTTP 401/403):
//    like retry, and the key pauses for a minute and raises an alert.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/reconcile/planner.hpp"

namespace deliveryd::reconcile {

enum class CallVerdict : std::uint8_t { answered, rejected, retry, tps_exceeded, credentials };

[[nodiscard]] std::string_view to_string(CallVerdict verdict) noexcept;

// The HTTP exchange, as the client saw it.
struct CallAnswer {
    // Empty when an HTTP answer arrived; else why not ("timeout", "connect", ...).
    std::string_view transport_failure;
    int http_status = 0;
    std::string_view body;
};

struct CallOutcome {
    CallVerdict verdict = CallVerdict::retry;
    // Metric label: ok, no_data, rejected, timeout, connect, ..., http_5xx,
    // http_4xx, malformed, retry_code, tps_exceeded, credentials.
    std::string outcome;
    // For a log line: the provider's code and message, or the parse error.
    // Never holds credentials (parsers and the HTTP client guarantee it).
    std::string detail;
    std::vector<core::Observation> observations;
    // get_callback: the ids asked about that the answer left out (answered).
    std::vector<std::string> missing;
    std::vector<std::string> notes;  // the parser's notes, for a debug log
};

[[nodiscard]] CallOutcome interpret_answer(const PlannedCall& call, const CallAnswer& answer,
                                           core::Timestamp received_at);

}  // namespace deliveryd::reconcile
