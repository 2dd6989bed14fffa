// Counters behind GET /sim/stats. Plain data, updated from the simulator's
// single I/O thread; to_json combines them with the rate limiter's windows.
#pragma once

#include <array>
#include <cstdint>

#include <boost/json/value.hpp>

#include "faults.hpp"
#include "rate_window.hpp"

namespace deliveryd::sim {

// Ids per GetCallback call, as received (before truncation to 200).
struct id_histogram {
    // Upper bounds of the buckets; the last bucket is "> 200".
    static constexpr std::array<std::size_t, 8> bounds{0, 1, 10, 50, 100, 150, 199, 200};

    std::uint64_t calls = 0;
    std::uint64_t total_ids = 0;
    std::uint64_t truncated_calls = 0;  // calls with more than 200 ids
    std::size_t max_ids = 0;
    std::array<std::uint64_t, bounds.size() + 1> buckets{};

    void record(std::size_t ids);
    [[nodiscard]] boost::json::value to_json() const;
};

struct callback_stats {
    std::uint64_t scheduled = 0;       // status changes that were due
    std::uint64_t dropped = 0;         // never sent (--drop-callbacks)
    std::uint64_t no_url = 0;          // due but no --callback-url configured
    std::uint64_t attempts = 0;        // HTTP requests made
    std::uint64_t retried = 0;         // attempts after the first
    std::uint64_t sent = 0;            // callbacks answered 2xx
    std::uint64_t failed = 0;          // callbacks given up after the last attempt
    std::uint64_t attempt_errors = 0;  // attempts that failed (timeout, refused, non-2xx)
};

struct sim_stats {
    std::array<std::uint64_t, endpoint_count> auth_failures{};
    std::array<std::uint64_t, endpoint_count> bad_requests{};
    std::array<std::uint64_t, fault_kind_count> faults{};
    std::uint64_t not_found = 0;  // unknown paths and methods
    std::uint64_t send_status_unknown_ids =
        0;                                  // GetSendStatus answers about an id it cannot report
    std::uint64_t sent_data_pages = 0;      // GetSmsSentData_V2 pages answered
    std::uint64_t list_messages_pages = 0;  // ListMessages pages answered (not its errors)
    id_histogram get_callback_ids;
    callback_stats callbacks;

    void reset() { *this = sim_stats{}; }
};

// {"endpoints": {"GetCallback": {"limit": 20, "auth_failures": 0, "bad_requests": 0,
//   "keys": {"<key>": {"calls", "accepted", "violations", "max_calls_in_1s"}}}, ...},
//  "violations": N, "get_callback_ids": {...}, "callbacks": {...}, "faults": {...}}
boost::json::object stats_to_json(const sim_stats& stats, const rate_limiter& limiter);

}  // namespace deliveryd::sim
