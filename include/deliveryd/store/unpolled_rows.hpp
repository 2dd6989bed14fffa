// Unresolved rows that no replica polls because no configuration has their
// scope: an eSMS account the sender used but deliveryd has no credentials
// for, or eTelecom rows without an eTelecom section. Such rows are never
// claimed, so they neither reach a status nor expire; a backlog that only
// grows, with no replica to blame in `deliveryd status`, is what operators
// would otherwise see. The scheduler reports them as a metric and a warning,
// `deliveryd status` lists them.
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

// Counting stops here: the answer is "many", and the check runs every
// minute on every polling replica.
inline constexpr std::int64_t unpolled_count_cap = 10'000;

// The scopes with unresolved rows that are neither among `polled` (this
// configuration's) nor polled by another replica (holding the scope's lock,
// or active in the last two minutes), in name order. The eSMS accounts are
// found by skipping through the claim indexes (sql/002_poll_scopes.sql) one
// account at a time, and each is counted through them: the cost follows the
// number of accounts and the cap, not the table or the backlog.
[[nodiscard]] std::vector<UnpolledRows> find_unpolled_rows(ConnectionPool& pool,
                                                           std::span<const PollScope> polled);

}  // namespace deliveryd::store
