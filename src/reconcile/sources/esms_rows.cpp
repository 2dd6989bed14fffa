#include "reconcile/sources/esms_rows.hpp"

#include <algorithm>
#include <stdexcept>

#include "deliveryd/providers/esms/sms_id.hpp"

namespace deliveryd::reconcile::sources {

const EsmsAccount* esms_account(const PollingSettings& settings, std::string_view name) {
    const auto& accounts = settings.esms.accounts;
    const auto it = std::find_if(accounts.begin(), accounts.end(),
                                 [&](const EsmsAccount& a) { return a.name == name; });
    return it == accounts.end() ? nullptr : &*it;
}

providers::esms::Credentials esms_credentials(const PollingSettings& settings,
                                              std::string_view name) {
    const auto* account = esms_account(settings, name);
    if (account == nullptr) {
        throw std::out_of_range("no eSMS account named " + std::string(name));
    }
    return {account->api_key, account->secret_key};
}

std::optional<Refusal> esms_id_refusal(const core::State& row) {
    const auto problem = providers::esms::sms_id_problem(row.sms_id);
    if (problem.empty()) {
        return std::nullopt;
    }
    return Refusal{UnplannableReason::invalid_sms_id, std::string(problem)};
}

}  // namespace deliveryd::reconcile::sources
