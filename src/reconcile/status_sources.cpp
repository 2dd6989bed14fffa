#include <array>

#include "deliveryd/reconcile/status_source.hpp"

#include "reconcile/sources/all_sources.hpp"

namespace deliveryd::reconcile {

std::span<const StatusSource* const> status_sources() {
    // The planner offers a row to these in this order and the first that
    // places it decides: a ZNS Zalo has accepted goes to GetZaloMessageStatus
    // before GetCallback would take any ZNS, and QueryZnsStatus comes before
    // GetCallback to claim the ZNS GetCallback cannot answer (the rest it
    // takes only as a second choice). The listings, GetSmsSentData_V2 and
    // ListMessages, take no row here: the scheduler sweeps with them
    // (scheduler_sweep.cpp).
    static const std::array<const StatusSource*, 7> all = {
        &sources::esms_zalo_status(),       &sources::esms_query_zns_status(),
        &sources::esms_get_callback(),      &sources::esms_get_send_status(),
        &sources::esms_sms_sent_data(),     &sources::etelecom_get_message(),
        &sources::etelecom_list_messages(),
    };
    return all;
}

const StatusSource* source_named(std::string_view name) {
    for (const auto* source : status_sources()) {
        if (source->name() == name) {
            return source;
        }
    }
    return nullptr;
}

std::string rate_account(const core::State& row) {
    return row.provider == core::Provider::etelecom ? std::string(etelecom_account) : row.account;
}

std::string rate_account(const store::PollScope& scope) {
    return scope.kind == store::PollScope::Kind::etelecom ? std::string(etelecom_account)
                                                          : scope.account;
}

}  // namespace deliveryd::reconcile
