// Which channel a message travels on, from what a row or a report says about it.
// The planner uses this to pick the status API (GetSendStatus for SMS and
// Viber; GetCallback or GetZaloMessageStatus for an eSMS ZNS); merge() uses it
// to decide when a row is final (`sent` ends an SMS, while a ZNS that Zalo
// accepted may still be delivered or fail).
#pragma once

#include <cstdint>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/state.hpp"

namespace deliveryd::core {

enum class Channel : std::uint8_t {
    sms,  // SMS and Viber (TypeId 1, 2, 8, 23, any other): final once `sent`
    zns,  // Zalo (TypeId 24-27, an OA id, or eTelecom): final once delivered/failed/rejected
};

// TypeId 24 ZNS priority, 25 ZNS normal, 26 Zalo follower messages, 27 ZNS journey.
[[nodiscard]] constexpr bool is_zns_type(int type_id) noexcept {
    return type_id >= 24 && type_id <= 27;
}

// ZNS when the provider is eTelecom, or TypeId is 24-27, or an OA id is known;
// SMS otherwise (including a row that knows nothing yet).
[[nodiscard]] Channel channel_of(const State& state) noexcept;
[[nodiscard]] Channel channel_of(const Observation& observation) noexcept;

[[nodiscard]] inline bool is_zns(const State& state) noexcept {
    return channel_of(state) == Channel::zns;
}
[[nodiscard]] inline bool is_zns(const Observation& observation) noexcept {
    return channel_of(observation) == Channel::zns;
}

}  // namespace deliveryd::core
