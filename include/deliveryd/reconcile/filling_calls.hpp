// Calls of several ids, filling up. A source that answers many ids per call
// (GetCallback: 200 ids of one OA) is limited in calls, so a call of 37 ids
// wastes most of one. Planned ids wait here, per (key, group), until they
// fill a call, or until the backlog is drained (the claim came back short)
// or they have waited `max_wait_ticks` ticks.
//
// Pure; not thread-safe (the scheduler's strand owns it).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "deliveryd/reconcile/planned_call.hpp"

namespace deliveryd::reconcile {

class FillingCalls {
  public:
    explicit FillingCalls(std::uint64_t max_wait_ticks = 2) : max_wait_ticks_(max_wait_ticks) {}

    // Takes the ids of a planned call, claimed at `tick`.
    void add(PlannedCall call, std::uint64_t tick);

    // The calls of `keys` ready at `tick`: every full call, and the rest too
    // when `drained` or when its oldest id has waited long enough.
    [[nodiscard]] std::vector<PlannedCall> take_ready(std::span<const LimiterKey> keys,
                                                      std::uint64_t tick, bool drained);

    // Forgets the waiting ids of `keys` and returns them.
    [[nodiscard]] std::vector<std::string> drop(std::span<const LimiterKey> keys);
    // Forgets every waiting id and returns them.
    [[nodiscard]] std::vector<std::string> drop_all();

  private:
    using Group = std::pair<LimiterKey, std::string>;  // key, PlannedCall::group
    std::uint64_t max_wait_ticks_;
    std::map<Group, std::deque<std::pair<std::string, std::uint64_t>>> waiting_;  // id, tick
};

}  // namespace deliveryd::reconcile
