// What one status call's answer means for the scheduler: the Observations to
// store, and what to do with the rows asked about and with the (account,
// endpoint) the call was made under. Pure: the scheduler does the I/O, this
// decides.
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
//  * credentials: the account is misconfigured (eSMS 101 on GetCallback,
//    102, 140, 143, ..., HTTP 401/403): like retry, the credentials gauge
//    goes up and the key only probes, one call a minute, until an answer
//    shows the keys work again (key_health.hpp).
//  * credentials_or_unknown_id: eSMS 101 on a call about one message
//    (GetSendStatus, GetZaloMessageStatus). eSMS documents 101 as wrong keys,
//    but its GetSendStatus sample answers 101 echoing the SMSID asked about,
//    and what it answers for an id it does not know is not documented: the
//    101 may be about that one message. KeyHealth weighs it with the key's
//    other answers: about the message (which then backs off like an
//    answered one) until several different messages in a row say the same.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/net/http_client.hpp"
#include "deliveryd/reconcile/planned_call.hpp"

namespace deliveryd::reconcile {

enum class CallVerdict : std::uint8_t {
    answered,
    rejected,
    retry,
    tps_exceeded,
    credentials,
    credentials_or_unknown_id,
};

[[nodiscard]] std::string_view to_string(CallVerdict verdict) noexcept;

// The HTTP exchange, as the client saw it (a view of net::HttpResult).
struct CallAnswer {
    net::HttpFailure failure = net::HttpFailure::none;  // none: an HTTP answer arrived
    int http_status = 0;
    std::string_view body;
};

struct CallOutcome {
    CallVerdict verdict = CallVerdict::retry;
    // Metric label: ok, no_data, rejected, timeout, connect, ..., http_5xx,
    // http_4xx, malformed, retry_code, tps_exceeded, credentials. The label
    // says what the provider answered: a 101 is "credentials" whether or not
    // KeyHealth takes it to be about the keys.
    std::string outcome;
    // For a log line: the provider's code and message, or the parse error.
    // Never holds credentials (parsers and the HTTP client guarantee it).
    std::string detail;
    std::vector<core::Observation> observations;
    // A call of several ids: the ids asked about that the answer left out
    // (answered; each is rescheduled like an answered row).
    std::vector<std::string> missing;
    // A listing with more pages: the cursor of the next one. The rows the
    // answer did not report yet stay claimed and are asked in that call.
    std::string next_cursor;
    // A listing's last page (or a listing given up): the ids asked about that
    // it never reported. They are due again at once, for a source that asks
    // one id at a time; the attempt does not count against them.
    std::vector<std::string> not_listed;
    // A listing's reports about messages it was not asked about (not due,
    // in another call, final, or not deliveryd's): merged into the rows of
    // those that exist and are unresolved, the others only counted.
    std::vector<core::Observation> listed_unasked;
    std::vector<std::string> notes;  // the parser's notes, for a debug log
};

// A transport failure is `retry`; an answer is read by the call's source
// (StatusSource::interpret).
[[nodiscard]] CallOutcome interpret_answer(const PlannedCall& call, const CallAnswer& answer,
                                           core::Timestamp received_at);

}  // namespace deliveryd::reconcile
