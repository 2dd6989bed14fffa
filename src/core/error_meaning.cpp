#include "deliveryd/core/error_meaning.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace deliveryd::core {
namespace {

// Sorted by code (a test checks it).
constexpr std::array<std::pair<long long, std::string_view>, 60> meanings{{
    {-220, "Zalo: the OA's access token expired or was removed"},
    {-124, "Zalo: the OA's access token is invalid (the provider must renew it; resend after)"},
    {-119, "Zalo: this account cannot receive ZNS (number inferred)"},
    {-118, "Zalo: no Zalo account for this phone number, or it was deactivated"},
    {-117, "Zalo: the OA or app has no permission for this template (number inferred)"},
    {-116, "Zalo: the text is invalid (number inferred)"},
    {-115, "Zalo: out of ZNS quota or balance (number inferred)"},
    {-114, "Zalo: the user is inactive, rejected the message, or has an outdated Zalo app"},
    {-113, "Zalo: a button is invalid or the QR code could not be made (number inferred)"},
    {-112, "Zalo: the template data is invalid"},
    {-111, "Zalo: the template data is empty"},
    {-110, "Zalo: the user's Zalo app version does not support ZNS"},
    {-109, "Zalo: the template id is invalid"},
    {-108, "Zalo: the phone number is invalid"},
    {-107, "Zalo: the message id is invalid"},
    {-106, "Zalo: method not supported"},
    {-105, "Zalo: the app is not linked to any OA"},
    {-104, "Zalo: the app's secret key is invalid"},
    {-103, "Zalo: the app is not activated"},
    {-102, "Zalo: the app does not exist"},
    {-101, "Zalo: the app is invalid"},
    {-100, "Zalo: unknown error; Zalo says to try again later"},
    {0, "success"},
    {99, "eSMS: the phone number is blocked in eSMS's system"},
    {100, "eSMS: accepted (not yet delivered)"},
    {101, "eSMS: wrong ApiKey or SecretKey"},
    {102, "eSMS: no price list for the account"},
    {103, "eSMS: insufficient balance"},
    {104, "eSMS: the brandname does not exist or is inactive"},
    {105, "eSMS: message id not found (too early, or older than 7 days)"},
    {106, "eSMS: recording file not found"},
    {107, "eSMS: fewer than 30 distinct phone numbers (advertising)"},
    {108, "eSMS: the phone number format is invalid"},
    {110, "eSMS: the request data is invalid"},
    {115, "eSMS: the hashed phone number is invalid"},
    {117, "eSMS: code invalid"},
    {118, "eSMS: message type not supported"},
    {120, "eSMS: too many phone numbers in the request"},
    {124, "eSMS: this RequestId was already used in the last 24 hours"},
    {140, "eSMS: the sender's IP address is not whitelisted"},
    {143, "eSMS: the account is not activated or is locked"},
    {146, "eSMS: wrong customer-care template"},
    {160, "eSMS: too many calls per second"},
    {163, "eSMS: more than one phone number in the request"},
    {171, "eSMS: the code was used, expired, or is not for this phone"},
    {177, "eSMS: the template is not registered with this telco"},
    {199, "eSMS: the same request is already being processed"},
    {201, "eSMS: the content contains a blocked keyword"},
    {204, "eSMS: the OA id is not in eSMS's system"},
    {210, "eSMS: the payload is not as specified"},
    {300, "eSMS: the message type is missing"},
    {301, "eSMS: unsupported service type"},
    {687, "eSMS: more than 500 phone numbers"},
    {789, "eSMS: the template is not configured for this OA"},
    {790, "eSMS: wrong ZNS template"},
    {791, "eSMS: the OA id or template id is missing"},
    {799, "eSMS: the OA is inactive, wrong, or not added to the account"},
    {851, "eSMS: the MessageId or SMSID is missing"},
    {854, "eSMS: no data found"},
    {1001, "eSMS: the user was not online on Zalo within the allowed time"},
}};

}  // namespace

std::optional<std::string_view> error_meaning(long long code) noexcept {
    const auto it =
        std::lower_bound(meanings.begin(), meanings.end(), code,
                         [](const auto& entry, long long c) { return entry.first < c; });
    if (it == meanings.end() || it->first != code) {
        return std::nullopt;
    }
    return it->second;
}

}  // namespace deliveryd::core
