// Fixed instants for the store's tests, and a row's next poll read back in
// the unit they are compared in.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "deliveryd/core/status.hpp"

#include "support/scratch_database.hpp"

namespace deliveryd::testing {

// `seconds` after a fixed instant in the past (June 2025), so that "oldest"
// and "due" are exact.
inline core::Timestamp at(std::int64_t seconds) {
    return core::Timestamp{std::chrono::seconds{1'750'000'000 + seconds}};
}

// Microseconds since the epoch, as next_poll_micros() reads them.
inline std::string micros_of(core::Timestamp t) {
    return std::to_string(t.time_since_epoch().count());
}

// The next_poll_at of a row as microseconds since the epoch ("NULL" for null).
inline std::string next_poll_micros(const ScratchDatabase& db, const std::string& sms_id) {
    return db.scalar(
        "SELECT (extract(epoch FROM next_poll_at) * 1000000)::bigint FROM delivery_state "
        "WHERE sms_id = '" +
        sms_id + "'");
}

}  // namespace deliveryd::testing
