#include "deliveryd/core/channel.hpp"

namespace deliveryd::core {
namespace {

Channel classify(Provider provider, const std::optional<int>& type_id,
                 const std::optional<std::string>& oa_id) noexcept {
    // eTelecom only carries Zalo; an OA id only exists for Zalo messages, and
    // covers ZNS rows a sender registered without a TypeId.
    if (provider == Provider::etelecom || (type_id && is_zns_type(*type_id)) ||
        (oa_id && !oa_id->empty())) {
        return Channel::zns;
    }
    return Channel::sms;
}

}  // namespace

Channel channel_of(const State& state) noexcept {
    return classify(state.provider, state.type_id, state.oa_id);
}

Channel channel_of(const Observation& observation) noexcept {
    return classify(observation.provider, observation.type_id, observation.oa_id);
}

}  // namespace deliveryd::core
