// How polling scopes are shared out among live replicas: each holds about
// scopes / replicas of them. Pure: ScopeLocks counts, this decides.
//
// A replica under its fair share (scopes / replicas, rounded up) takes free
// scopes up to it, but only up to the share rounded down while some replica
// holds fewer than that, so the last free scopes go to whoever holds least.
// A replica that holds at least two more than some other
// live replica gives scopes up, down to the share rounded down (and never
// below one more than the fewest held): moving a scope then narrows a gap of
// two or more, so the shares settle within one of each other instead of
// passing scopes back and forth.
#pragma once

#include <cstddef>

namespace deliveryd::store {

struct ScopeCensus {
    std::size_t scopes = 0;       // scopes this replica may poll (its configuration)
    std::size_t replicas = 1;     // live replicas, this one included
    std::size_t held = 0;         // of those scopes, how many this replica holds
    std::size_t fewest_held = 0;  // of those scopes, the fewest any live replica holds
    std::size_t free = 0;         // of those scopes, how many no session holds
};

struct ShareMove {
    std::size_t take = 0;     // free scopes to try for now
    std::size_t release = 0;  // held scopes to give up (after their calls end)
};

// scopes / replicas rounded up; every scope when replicas is 0.
[[nodiscard]] std::size_t fair_share(std::size_t scopes, std::size_t replicas) noexcept;

[[nodiscard]] ShareMove share_move(const ScopeCensus& census) noexcept;

}  // namespace deliveryd::store
