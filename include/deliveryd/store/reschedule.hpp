// What the scheduler writes back to a row after polling it: when to poll it
// next, and whether the provider answered. Shared by PollStore::reschedule
// (rows set aside without an answer) and StatusStore::apply (a poll answer's
// rows, in the transaction that merges the answer).
#pragma once

#include <string>

#include "deliveryd/core/status.hpp"

namespace deliveryd::store {

// What to do with one row after a poll (or a failed one).
struct Reschedule {
    std::string sms_id;
    core::Timestamp next_poll_at;  // ignored (NULL stored) when the row is final by then
    bool count_attempt = false;    // the provider answered: poll_attempts + 1
};

}  // namespace deliveryd::store
