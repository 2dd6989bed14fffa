// Reading the timestamps providers send, into core::Timestamp (UTC, µs).
// Pure functions: no time zone database, no locale, no throw.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "deliveryd/core/status.hpp"

namespace deliveryd::core {

// RFC 3339 date-time: "2019-08-24T14:15:22Z", "2025-06-14T09:22:59.089Z",
// "2024-04-24T16:58:01+07:00". 'T'/'t' or ' ' between date and time; 'Z'/'z'
// or ±hh:mm; any number of fraction digits (kept to microseconds, truncated).
// A leap second (:60) reads as :59.999999. Anything else: nullopt.
[[nodiscard]] std::optional<Timestamp> parse_rfc3339(std::string_view text) noexcept;

// Milliseconds since the Unix epoch, as decimal text ("1767678030984").
// Zero, negative or beyond year 9999: nullopt.
[[nodiscard]] std::optional<Timestamp> parse_epoch_millis(std::string_view text) noexcept;

// eSMS's "dd/MM/yyyy HH:mm:ss" (as in the error_info suffix
// "____24/04/2024 16:58:01"). The docs give no zone; it is read as Vietnam time
// (UTC+07:00, no daylight saving), which is eSMS's local time.
[[nodiscard]] std::optional<Timestamp> parse_esms_local_time(std::string_view text) noexcept;

// A WCF JSON date as eSMS's .NET services write it: "/Date(1705484048995+0700)/"
// (milliseconds since the Unix epoch, then optionally the writer's UTC offset
// as ±hhmm, which says where it was written and does not move the instant).
// Zero, negative, beyond year 9999 or any other shape: nullopt.
[[nodiscard]] std::optional<Timestamp> parse_wcf_date(std::string_view text) noexcept;

// `t` as eSMS's listing filters take it: "yyyy-MM-dd HH:mm:ss" in Vietnam
// time (UTC+07:00), whole seconds (truncated).
[[nodiscard]] std::string format_esms_local_time(Timestamp t);

// Whether a time a provider reports about a message (a delivery time, an
// event stamp) can be true: not before 2015 (before either provider's status
// APIs existed; seconds sent as milliseconds land in 1970) and at most a day
// after deliveryd received the report (clock skew; further is garbage).
// A time that fails is left out of the row; the raw report keeps it.
[[nodiscard]] bool is_plausible_provider_time(Timestamp at, Timestamp received_at) noexcept;

// "2024-04-24T09:58:01.000000Z": for logs, tests and round trips.
[[nodiscard]] std::string format_rfc3339(Timestamp t);

}  // namespace deliveryd::core
