#include "reconcile/scope_keys.hpp"

#include <string>

namespace deliveryd::reconcile {

std::vector<LimiterKey> keys_of(const store::PollScope& scope) {
    if (scope.kind == store::PollScope::Kind::etelecom) {
        return {LimiterKey{std::string(etelecom_account), Endpoint::etelecom_get_message}};
    }
    return {LimiterKey{scope.account, Endpoint::get_callback},
            LimiterKey{scope.account, Endpoint::zalo_status},
            LimiterKey{scope.account, Endpoint::send_status}};
}

std::vector<LimiterKey> keys_of(const store::PollScope& scope, store::ClaimLane lane) {
    if (scope.kind == store::PollScope::Kind::etelecom) {
        return keys_of(scope);
    }
    if (lane == store::ClaimLane::zalo_delivery) {
        return {LimiterKey{scope.account, Endpoint::zalo_status}};
    }
    return {LimiterKey{scope.account, Endpoint::get_callback},
            LimiterKey{scope.account, Endpoint::send_status}};
}

}  // namespace deliveryd::reconcile
