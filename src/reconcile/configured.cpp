#include "deliveryd/reconcile/configured.hpp"

#include <algorithm>

namespace deliveryd::reconcile {

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

PlanTargets plan_targets(const PollingSettings& config) {
    PlanTargets targets;
    for (const auto& account : config.esms.accounts) {
        targets.esms_accounts.push_back(account.name);
    }
    targets.etelecom = config.etelecom.has_value();
    return targets;
}

std::optional<double> configured_rate(const PollingSettings& config, const LimiterKey& key) {
    if (key.endpoint == Endpoint::etelecom_get_message) {
        if (!config.etelecom || key.account != etelecom_account) {
            return std::nullopt;
        }
        return config.etelecom->get_message_tps;
    }
    const auto& accounts = config.esms.accounts;
    const auto it = std::find_if(accounts.begin(), accounts.end(),
                                 [&](const EsmsAccount& a) { return a.name == key.account; });
    if (it == accounts.end()) {
        return std::nullopt;
    }
    switch (key.endpoint) {
        case Endpoint::get_callback:
            return it->get_callback_tps;
        case Endpoint::zalo_status:
            return it->zalo_status_tps;
        case Endpoint::send_status:
            return it->send_status_tps;
        case Endpoint::etelecom_get_message:
            break;  // handled above
    }
    return std::nullopt;
}

}  // namespace deliveryd::reconcile
