// Unresolved rows that no replica polls because their scope is not in the
// configuration: an eSMS account the sender used but deliveryd has no
// credentials for, or eTelecom rows without an eTelecom section. Such rows
// are never claimed, so they neither reach a status nor expire; a backlog
// that only grows, with no replica to blame in `deliveryd status`, is what
// operators would otherwise see. The scheduler reports them as a metric and
// a warning, `deliveryd status` lists them.
//
// Blocking; thread-safe (takes a pooled connection).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/poll_store.hpp"

namespace deliveryd::store {

struct UnpolledRows {
    std::string scope;      // PollScope::name(): esms/<account> or etelecom
    std::int64_t rows = 0;  // counted up to unpolled_count_cap
};

// Counting stops here: the answer is "many", and a count of every row of a
// huge backlog would cost a scan each time.
inline constexpr std::int64_t unpolled_count_cap = 1'000'000;

// The scopes with unresolved rows that are not among `polled`, in name
// order. The eSMS accounts are found by skipping through the claim indexes
// (sql/002_poll_scopes.sql) one account at a time, so the cost follows the
// number of accounts, not of rows.
[[nodiscard]] std::vector<UnpolledRows> find_unpolled_rows(ConnectionPool& pool,
                                                           std::span<const PollScope> polled);

}  // namespace deliveryd::store
