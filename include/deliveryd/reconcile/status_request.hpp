// The HTTP request of a planned status call, with the configured base URLs
// and credentials (configured.hpp's counterpart for requests). The request
// holds secrets: never log it. Pure; thread-safe.
#pragma once

#include "deliveryd/providers/http_request.hpp"
#include "deliveryd/reconcile/planner.hpp"
#include "deliveryd/reconcile/settings.hpp"

namespace deliveryd::reconcile {

// Precondition: the call's provider and account are configured (the planner
// only plans calls for those). Throws std::out_of_range otherwise.
[[nodiscard]] providers::HttpRequest status_request(const PollingSettings& config,
                                                    const PlannedCall& call);

}  // namespace deliveryd::reconcile
