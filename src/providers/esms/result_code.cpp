#include "deliveryd/providers/esms/result_code.hpp"

#include <array>

namespace deliveryd::providers::esms {
namespace {

struct Row {
    int first;
    int last;  // inclusive range, so "106-120" is one row
    ResultClass result;
    std::string_view meaning;
};

using enum ResultClass;

// The result codes eSMS's API documentation lists. Rows are checked in order,
// so specific codes come before the ranges that contain them.
constexpr std::array rows{
    Row{100, 100, success, "accepted"},
    // Credentials and account configuration.
    Row{101, 101, credentials, "wrong ApiKey/SecretKey"},
    Row{102, 102, credentials, "no price list"},
    Row{104, 104, credentials, "brandname does not exist or is inactive"},
    Row{140, 140, credentials, "source IP not whitelisted"},
    Row{143, 143, credentials, "account not activated or locked"},
    Row{204, 204, credentials, "OAID not in the system"},
    Row{788, 788, credentials, "OAID not active"},
    Row{789, 789, credentials, "template not configured for this OAID"},
    Row{799, 799, credentials, "OAID inactive, wrong or not added to the account"},
    Row{802, 802, credentials, "OA not allowed SendingMode 3"},
    // Worth asking again later.
    Row{103, 103, retry_later, "insufficient balance"},
    Row{105, 105, retry_later, "id not found (a just-sent id is not queryable yet)"},
    Row{160, 160, retry_later, "TPS exceeded"},
    Row{854, 854, retry_later, "no data found yet"},
    // Wrong for this message or request.
    Row{99, 99, permanent_failure, "phone blocked"},
    Row{106, 120, permanent_failure, "invalid request data"},
    Row{146, 146, permanent_failure, "wrong customer-care template"},
    Row{163, 163, permanent_failure, "more than one phone per request"},
    Row{171, 171, permanent_failure, "code used, expired or not for this phone"},
    Row{177, 177, permanent_failure, "template not registered on this telco"},
    Row{201, 201, permanent_failure, "content contains a blocked keyword"},
    Row{210, 210, permanent_failure, "payload not as specified"},
    Row{300, 300, permanent_failure, "missing message type"},
    Row{301, 301, permanent_failure, "unsupported service type"},
    Row{687, 687, permanent_failure, "more than 500 phones"},
    Row{790, 790, permanent_failure, "wrong ZNS template"},
    Row{791, 791, permanent_failure, "missing OA id or template id"},
    Row{801, 801, permanent_failure, "SendingMode 3 cannot be scheduled"},
    Row{851, 851, permanent_failure, "missing MessageId or SMSID"},
    Row{852, 853, permanent_failure, "Zalo UID invalid or missing"},
};

const Row* find(int code) noexcept {
    for (const auto& row : rows) {
        if (code >= row.first && code <= row.last) {
            return &row;
        }
    }
    return nullptr;
}

}  // namespace

ResultClass classify_result_code(int code) noexcept {
    // An undocumented code is most likely new or transient: retrying with
    // backoff costs little, giving up on a message would lose its status.
    const Row* row = find(code);
    return row != nullptr ? row->result : retry_later;
}

std::string_view describe_result_code(int code) noexcept {
    const Row* row = find(code);
    return row != nullptr ? row->meaning : "unknown code";
}

std::string_view to_string(ResultClass result) noexcept {
    switch (result) {
        case success:
            return "success";
        case retry_later:
            return "retry_later";
        case permanent_failure:
            return "permanent_failure";
        case credentials:
            return "credentials";
    }
    return "invalid";
}

}  // namespace deliveryd::providers::esms
