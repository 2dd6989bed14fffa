#include "deliveryd/store/scope_share.hpp"

#include <algorithm>

namespace deliveryd::store {

std::size_t fair_share(std::size_t scopes, std::size_t replicas) noexcept {
    return replicas == 0 ? scopes : (scopes + replicas - 1) / replicas;
}

ShareMove share_move(const ScopeCensus& census) noexcept {
    const auto fair = fair_share(census.scopes, census.replicas);
    // The share rounded down: what every replica holds at least once settled.
    const auto floor = census.replicas == 0 ? census.scopes : census.scopes / census.replicas;
    // While some replica is below the share rounded down, nobody takes
    // more than that: the last free scopes go to whoever needs them most.
    const auto target = census.fewest_held < floor ? floor : fair;
    ShareMove move;
    if (census.held < target) {
        move.take = std::min(census.free, target - census.held);
    }
    if (census.held > floor && census.held >= census.fewest_held + 2) {
        move.release = census.held - std::max(floor, census.fewest_held + 1);
    }
    return move;
}

}  // namespace deliveryd::store
