// Calls a limiter has to spare go to the rows whose answer is most likely to
// have changed. The backoff is the longest a row waits, not the shortest:
// when an accepted ZNS's GetZaloMessageStatus limiter has spare calls after
// every due row is claimed, the scheduler claims rows ahead of their
// schedule (PollStore::claim_early) with this rule:
//  * only rows submitted within the last 2 hours: a handset receipt comes
//    soon after acceptance or, mostly, not for a long time;
//  * never two questions about one message closer than its gap: a quarter
//    of its age, at least 5 seconds, at most 15 minutes (young rows often,
//    older ones less), counted from when it was last claimed (polled_at),
//    so a row whose call still waits is not taken twice;
//  * the rows longest past their gap, relative to it, first: each row's
//    turn comes round as its gap passes, the youngest most often, and none
//    is starved (its ratio grows while it waits);
//  * an early question does not move the row's backoff: its answer puts the
//    row back on the next poll it had, so due rows keep their place, and
//    due rows are always claimed first.
// reconcile.spare_calls: false turns this off (rows are asked only when due).
#pragma once

#include <chrono>

#include "deliveryd/store/poll_store.hpp"

namespace deliveryd::reconcile {

[[nodiscard]] inline store::EarlyClaim early_poll_rule() {
    using namespace std::chrono_literals;
    return store::EarlyClaim{.min_gap = 5s, .max_gap = 15min, .age_share = 0.25, .max_age = 2h};
}

}  // namespace deliveryd::reconcile
