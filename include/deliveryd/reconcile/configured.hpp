// What the daemon's configuration says polling may call, and how fast: the
// bridge from the polling settings to the planner's targets and the limiters' rates.
// Pure; thread-safe (reads the config only).
#pragma once

#include <optional>
#include <vector>

#include "deliveryd/reconcile/endpoint.hpp"
#include "deliveryd/reconcile/planner.hpp"
#include "deliveryd/reconcile/settings.hpp"
#include "deliveryd/store/poll_store.hpp"

namespace deliveryd::reconcile {

// The polling scopes the configuration defines, whether or not this replica
// polls (reconcile.poll): each eSMS account, then eTelecom if configured.
[[nodiscard]] std::vector<store::PollScope> configured_scopes(const PollingSettings& config);

// The configured eSMS account names and whether an etelecom section exists.
[[nodiscard]] PlanTargets plan_targets(const PollingSettings& config);

// Calls per second allowed for `key`: the account's get_callback_tps,
// zalo_status_tps or send_status_tps, or etelecom.get_message_tps for
// (etelecom_account, etelecom_get_message). nullopt for a key the
// configuration does not know (an unknown account, eTelecom not configured,
// or an endpoint that does not belong to the provider).
[[nodiscard]] std::optional<double> configured_rate(const PollingSettings& config,
                                                    const LimiterKey& key);

}  // namespace deliveryd::reconcile
