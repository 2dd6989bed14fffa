// A status call as the planner plans it and the scheduler sends it, the key
// its rate limit, queue and metrics are counted by, and why a row may get no
// call at all. Plain values; no I/O.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace deliveryd::reconcile {

class StatusSource;

struct PlannedCall {
    const StatusSource* source = nullptr;  // the endpoint asked (status_source.hpp)
    std::string account;                   // eSMS account name, or etelecom_account
    // What the ids of one call share and its request carries with them: the
    // OA id for the Zalo endpoints; empty when the source needs none.
    std::string group;
    // The provider's own id for the one message asked about, where the
    // endpoint looks messages up by it (Zalo's message id); else empty.
    std::string message_id;
    // The rows this call answers for, in row order: one, or up to the
    // source's ids_per_call().
    std::vector<std::string> sms_ids;
    // A listing answered in pages: where the next page starts. Empty for the
    // first page and for sources without pages.
    std::string cursor;

    friend bool operator==(const PlannedCall&, const PlannedCall&) = default;
};

// One rate limiter, one queue, one set of metrics per key. Compared by the
// account, then the source's name (names are unique), so that iteration and
// logs are stable.
struct LimiterKey {
    std::string account;
    const StatusSource* source = nullptr;

    friend std::strong_ordering operator<=>(const LimiterKey& a, const LimiterKey& b);
    friend bool operator==(const LimiterKey& a, const LimiterKey& b);
};

[[nodiscard]] inline LimiterKey key_of(const PlannedCall& call) {
    return LimiterKey{call.account, call.source};
}

// "<account> <source name>": how logs name a key.
[[nodiscard]] std::string to_string(const LimiterKey& key);

enum class UnplannableReason : std::uint8_t {
    duplicate,                // the same sms_id earlier in the batch: planned once
    already_final,            // is_final: no call can change the outcome's finality
    account_not_configured,   // eSMS row whose account has no credentials
    etelecom_not_configured,  // eTelecom row, and no etelecom section
    missing_oa_id,            // ZNS row without the OA id its call needs
    invalid_sms_id,           // eSMS could not have issued this id
    no_source,                // no configured source answers rows like this one
};

// "duplicate", "already_final", ...: for logs and a metric label.
[[nodiscard]] std::string_view to_string(UnplannableReason reason) noexcept;

}  // namespace deliveryd::reconcile
