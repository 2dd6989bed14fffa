#include "deliveryd/reconcile/planned_call.hpp"

#include "deliveryd/reconcile/status_source.hpp"

namespace deliveryd::reconcile {
namespace {

std::string_view name_of(const StatusSource* source) {
    return source != nullptr ? source->name() : std::string_view("?");
}

}  // namespace

std::strong_ordering operator<=>(const LimiterKey& a, const LimiterKey& b) {
    if (const auto by_account = a.account <=> b.account; by_account != 0) {
        return by_account;
    }
    return name_of(a.source) <=> name_of(b.source);
}

bool operator==(const LimiterKey& a, const LimiterKey& b) {
    return a.account == b.account && name_of(a.source) == name_of(b.source);
}

std::string to_string(const LimiterKey& key) {
    return key.account + " " + std::string(name_of(key.source));
}

std::string_view to_string(UnplannableReason reason) noexcept {
    switch (reason) {
        case UnplannableReason::duplicate:
            return "duplicate";
        case UnplannableReason::already_final:
            return "already_final";
        case UnplannableReason::account_not_configured:
            return "account_not_configured";
        case UnplannableReason::etelecom_not_configured:
            return "etelecom_not_configured";
        case UnplannableReason::missing_oa_id:
            return "missing_oa_id";
        case UnplannableReason::invalid_sms_id:
            return "invalid_sms_id";
        case UnplannableReason::no_source:
            return "no_source";
    }
    return "unknown";
}

}  // namespace deliveryd::reconcile
