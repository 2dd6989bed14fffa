#include "deliveryd/reconcile/configured.hpp"

#include <algorithm>

namespace deliveryd::reconcile {
namespace {

core::Provider provider_of(const store::PollScope& scope) {
    return scope.kind == store::PollScope::Kind::etelecom ? core::Provider::etelecom
                                                          : core::Provider::esms;
}

}  // namespace

std::vector<store::PollScope> configured_scopes(const PollingSettings& config) {
    std::vector<store::PollScope> scopes;
    for (const auto& account : config.esms.accounts) {
        scopes.push_back({store::PollScope::Kind::esms_account, account.name});
    }
    if (config.etelecom) {
        scopes.push_back({store::PollScope::Kind::etelecom, {}});
    }
    return scopes;
}

PlanTargets plan_targets(const PollingSettings& config,
                         std::span<const StatusSource* const> sources) {
    PlanTargets targets;
    targets.schedule = config.schedule;
    const auto scopes = configured_scopes(config);
    for (const auto* source : sources) {
        TargetSource target{source, {}};
        for (const auto& scope : scopes) {
            const auto account = rate_account(scope);
            if (provider_of(scope) == source->provider() && source->rate(config, account)) {
                target.accounts.push_back(account);
            }
        }
        targets.sources.push_back(std::move(target));
    }
    return targets;
}

std::vector<LimiterKey> keys_of(const PlanTargets& targets, const store::PollScope& scope) {
    std::vector<LimiterKey> keys;
    const auto account = rate_account(scope);
    for (const auto& target : targets.sources) {
        const auto& accounts = target.accounts;
        if (target.source->provider() == provider_of(scope) &&
            std::find(accounts.begin(), accounts.end(), account) != accounts.end()) {
            keys.push_back(LimiterKey{account, target.source});
        }
    }
    return keys;
}

store::PollScope scope_of(const LimiterKey& key) {
    if (key.source->provider() == core::Provider::etelecom) {
        return {store::PollScope::Kind::etelecom, {}};
    }
    return {store::PollScope::Kind::esms_account, key.account};
}

std::vector<LimiterKey> keys_of(const PlanTargets& targets, const store::PollScope& scope,
                                store::ClaimLane lane) {
    auto keys = keys_of(targets, scope);
    std::erase_if(keys, [lane](const LimiterKey& key) { return key.source->lane() != lane; });
    return keys;
}

}  // namespace deliveryd::reconcile
