// The status callback eSMS sends as an HTTP GET (one sample per message type:
// tests/data/seeds/callback_001_*.txt):
//   GET <callback_path>?SMSID=...&SendStatus=5&SendSuccess=1&...&error_info=...
#pragma once

#include <cstddef>
#include <string_view>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/status.hpp"
#include "deliveryd/providers/parse_result.hpp"

namespace deliveryd::providers::esms {

inline constexpr std::size_t max_callback_parameters = 100;

// `query` is the raw query string (after '?'; a leading '?' is skipped) exactly
// as received; `received_at` becomes observed_at. Gives an Observation with
// source `callback`, raw = the query, or an error the HTTP layer answers with
// 400 (nothing to store):
//  * missing or malformed SMSID (sms_id.hpp);
//  * a '%' not followed by two hex digits anywhere in the query;
//  * SendStatus, SendSuccess, SendFailed, TotalReceiver, TotalSent, TypeId or
//    telcoid not an integer that fits 32 bits (negative values are reports
//    too, and accepted); TotalPrice not a decimal with at most 4 places
//    (read exactly into Price);
//  * a parameter repeated with different values (repeats of the same value
//    are harmless and accepted: a proxy or the provider may duplicate, but
//    picking one of two different statuses would be a guess);
//  * more than max_callback_parameters parameters (the provider sends about
//    twenty; thousands are an attack on the parser, not a report).
// Otherwise: names match ignoring ASCII case (telcoid/Telcoid/TelcoId); an
// empty value is the same as no parameter; '+' and %20 are spaces; unknown
// parameters (switchsmsid, ...) are ignored; characters that RFC 3986 does not
// allow in a query but clients send raw ({ } " as in the ZNS sample) are taken
// literally; texts are made valid UTF-8. A SendStatus of unknown meaning is
// accepted as `submitted` and named in Observation::unknown_status.
[[nodiscard]] ParseResult<core::Observation> parse_callback_query(
    std::string_view query, core::Timestamp received_at) noexcept;

}  // namespace deliveryd::providers::esms
