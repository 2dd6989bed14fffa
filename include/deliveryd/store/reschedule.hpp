// What the scheduler writes back to a row after polling it: when to poll it
// next, and whether the provider answered (on the row's schedule, or early). Shared by
// PollStore::reschedule (rows set aside without an answer) and StatusStore::apply (a poll answer's
// rows, in the transaction that merges the answer).
#pragma once

#include <string>

#include "deliveryd/core/status.hpp"

namespace deliveryd::store {

// What to do with one row after a poll (or a failed one).
struct Reschedule {
    std::string sms_id;
    core::Timestamp next_poll_at;  // ignored (NULL stored) when the row is final by then
    bool count_attempt = false;    // a scheduled poll the provider answered: poll_attempts + 1
    bool asked = false;            // the provider answered about the row: polled_at = now()
};

}  // namespace deliveryd::store
