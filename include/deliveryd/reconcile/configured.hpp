// What the daemon's configuration says polling may call, and how fast: the
// bridge from the polling settings to the planner's targets, the limiters'
// keys and their rates. Pure; thread-safe (reads the config only).
#pragma once

#include <span>
#include <vector>

#include "deliveryd/reconcile/planner.hpp"
#include "deliveryd/reconcile/settings.hpp"
#include "deliveryd/reconcile/status_source.hpp"
#include "deliveryd/store/poll_store.hpp"

namespace deliveryd::reconcile {

// The polling scopes the configuration defines, whether or not this replica
// polls (reconcile.poll): each eSMS account, then eTelecom if configured.
[[nodiscard]] std::vector<store::PollScope> configured_scopes(const PollingSettings& config);

// Each source, in the order given, with the accounts of the configured
// scopes it has a rate for.
[[nodiscard]] PlanTargets plan_targets(
    const PollingSettings& config, std::span<const StatusSource* const> sources = status_sources());

// The limiter keys of a scope: one per source of its provider configured for
// its account, in the targets' order.
[[nodiscard]] std::vector<LimiterKey> keys_of(const PlanTargets& targets,
                                              const store::PollScope& scope);

// The polling scope a key's calls belong to.
[[nodiscard]] store::PollScope scope_of(const LimiterKey& key);

// The keys whose calls the rows of one claim lane go to: what sizes its claim.
[[nodiscard]] std::vector<LimiterKey> keys_of(const PlanTargets& targets,
                                              const store::PollScope& scope, store::ClaimLane lane);

}  // namespace deliveryd::reconcile
