// Which limiter keys a polling scope has (its claim lanes: store::lanes_of). Private to
// reconcile/; pure.
#pragma once

#include <vector>

#include "deliveryd/reconcile/endpoint.hpp"
#include "deliveryd/store/poll_store.hpp"

namespace deliveryd::reconcile {

// Every key of the scope: an eSMS account's three endpoints, or eTelecom's one.
[[nodiscard]] std::vector<LimiterKey> keys_of(const store::PollScope& scope);

// The keys whose calls the rows of one claim lane go to: what sizes its claim.
[[nodiscard]] std::vector<LimiterKey> keys_of(const store::PollScope& scope, store::ClaimLane lane);

}  // namespace deliveryd::reconcile
