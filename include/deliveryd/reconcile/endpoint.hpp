// The provider status endpoints that deliveryd polls, and the key that rate
// limits, advisory locks and metrics are counted by: (account, endpoint).
// Plain values; no I/O; thread-safe (no shared state).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "deliveryd/core/status.hpp"

namespace deliveryd::reconcile {

enum class Endpoint : std::uint8_t {
    get_callback,          // eSMS POST /ZaloCallback/GetCallback, up to 200 ids of one OA
    zalo_status,           // eSMS POST .../GetZaloMessageStatus, one Zalo message id
    send_status,           // eSMS GET  .../GetSendStatus, one SMSID
    etelecom_get_message,  // eTelecom POST <base>.Zalo/GetMessage, one msg_id
};

inline constexpr std::size_t endpoint_count = 4;

// eTelecom has one configuration (one API key), not named accounts: its calls
// are keyed by this name. It cannot clash with an eSMS account of the same
// name because the endpoint is part of every key.
inline constexpr std::string_view etelecom_account = "etelecom";

// "get_callback", "zalo_status", "send_status", "etelecom_get_message": stable
// texts for metric labels and logs.
[[nodiscard]] std::string_view to_string(Endpoint endpoint) noexcept;

// The delivery_event source of an answer from this endpoint.
[[nodiscard]] core::Source source_of(Endpoint endpoint) noexcept;

// One rate limiter, one queue, one set of metrics per key.
struct LimiterKey {
    std::string account;  // eSMS account name, or etelecom_account
    Endpoint endpoint = Endpoint::get_callback;

    friend auto operator<=>(const LimiterKey&, const LimiterKey&) = default;
    friend bool operator==(const LimiterKey&, const LimiterKey&) = default;
};

}  // namespace deliveryd::reconcile
