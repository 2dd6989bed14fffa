// The vocabulary of the status model (merge.hpp says how reports combine):
// states, sources, providers.
// The text forms are part of the contract: they are what the database stores.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace deliveryd::core {

// Microsecond precision: what PostgreSQL's timestamptz keeps.
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// The wall clock now, as a Timestamp: when a report was received.
inline Timestamp timestamp_now() {
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
}

// The `state` column. Ordered by progress; see merge.hpp for how finals compare.
enum class StateLabel : std::uint8_t {
    submitted,         // registered by the sender, no provider status yet
    pending_approval,  // SendStatus 1
    waiting,           // SendStatus 2
    sent_to_telco,     // SendStatus 7
    sent,              // SendStatus 5 with success (or no counts yet); final for SMS/Viber
    delivered,         // ZNS on the user's phone
    failed,            // SendStatus 5 with only failures, or a provider error for the message
    rejected,          // SendStatus 4
    expired,           // the polling window ended with no status at all
};

enum class Source : std::uint8_t {
    callback,                // the provider called our callback URL
    get_callback,            // eSMS GetCallback (replayed callback data)
    get_send_status,         // eSMS GetSendStatus
    zalo_status,             // eSMS GetZaloMessageStatus
    etelecom_get_message,    // eTelecom Zalo/GetMessage
    query_zns_status,        // eSMS QueryZnsStatus (ZNS by SMSID, no CallbackUrl needed)
    sms_sent_data,           // eSMS GetSmsSentData_V2 (listing by creation time)
    etelecom_list_messages,  // eTelecom Zalo/ListMessages (listing by update time)
};

enum class Provider : std::uint8_t {
    esms,      // eSMS (ViHAT): SMS, Viber, ZNS
    etelecom,  // eTelecom Zalo Cloud: ZNS
};

// "callback" or "poll": which side of deliveryd made a row final.
enum class Resolver : std::uint8_t {
    callback,  // a provider callback
    poll,      // a status API answer, or the end of the polling window
};

[[nodiscard]] std::string_view to_string(StateLabel s) noexcept;
[[nodiscard]] std::string_view to_string(Source s) noexcept;
[[nodiscard]] std::string_view to_string(Provider p) noexcept;
[[nodiscard]] std::string_view to_string(Resolver r) noexcept;

[[nodiscard]] std::optional<StateLabel> parse_state_label(std::string_view text) noexcept;
[[nodiscard]] std::optional<Source> parse_source(std::string_view text) noexcept;
[[nodiscard]] std::optional<Provider> parse_provider(std::string_view text) noexcept;
[[nodiscard]] std::optional<Resolver> parse_resolver(std::string_view text) noexcept;

}  // namespace deliveryd::core
