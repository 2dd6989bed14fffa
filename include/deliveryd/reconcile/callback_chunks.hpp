// Fills GetCallback calls: the provider answers up to 200 ids of
// one OA per call and its limit counts calls, so a call of 37 ids wastes
// most of one. Ids planned for GetCallback wait here, per (account, oa_id),
// until they fill a call of 200, or until the backlog is drained (the claim
// came back short) or they have waited `max_wait_ticks` ticks.
//
// Pure; not thread-safe (the scheduler's strand owns it).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "deliveryd/reconcile/planner.hpp"

namespace deliveryd::reconcile {

class CallbackChunks {
  public:
    explicit CallbackChunks(std::uint64_t max_wait_ticks = 2) : max_wait_ticks_(max_wait_ticks) {}

    // Takes the ids of a planned get_callback call, claimed at `tick`.
    void add(PlannedCall call, std::uint64_t tick);

    // The calls of `account` ready at `tick`: every full call of 200, and
    // the rest too when `drained` or when its oldest id has waited long enough.
    [[nodiscard]] std::vector<PlannedCall> take_ready(const std::string& account,
                                                      std::uint64_t tick, bool drained);

    // Forgets the waiting ids of `account` (every account when empty) and
    // returns them.
    [[nodiscard]] std::vector<std::string> drop(const std::string& account = {});

  private:
    using Group = std::pair<std::string, std::string>;  // account, oa_id
    std::uint64_t max_wait_ticks_;
    std::map<Group, std::deque<std::pair<std::string, std::uint64_t>>> waiting_;  // id, tick
};

}  // namespace deliveryd::reconcile
