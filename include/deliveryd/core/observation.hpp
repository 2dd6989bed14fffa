// Observation: one status report about one message from one source, normalised.
// Every provider format (callback query, GetCallback, GetSendStatus,
// GetZaloMessageStatus, eTelecom GetMessage) is parsed into this one shape, and
// merge() folds Observations into a State. Plain data; copyable; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "deliveryd/core/status.hpp"

namespace deliveryd::core {

// Money as an exact count of 1/10,000 of a currency unit: the provider sends
// four decimals ("696987.0000") and the column is numeric(18,4).
struct Price {
    std::int64_t ten_thousandths = 0;
    friend auto operator<=>(const Price&, const Price&) = default;
};

struct Observation {
    Source source = Source::callback;
    Provider provider = Provider::esms;
    std::string sms_id;     // eSMS SMSID, or for eTelecom our message key
    Timestamp observed_at;  // when deliveryd received the report

    // What the report says happened, decided by the provider parser.
    StateLabel state = StateLabel::submitted;

    std::optional<int> send_status;  // provider SendStatus as sent (1, 2, 4, 5, 7, ...)
    std::optional<int> send_success;
    std::optional<int> send_failed;
    std::optional<int> total_receiver;
    std::optional<int> total_sent;
    std::optional<Price> total_price;

    std::optional<int> telco_id;
    std::optional<int> type_id;
    std::optional<std::string> oa_id;
    std::optional<std::string> phone;         // a phone number, never a Zalo user id
    std::optional<std::string> zalo_user_id;  // TypeId 26/27 and UID sends
    std::optional<std::string> request_id;
    std::optional<std::string> partner_id;  // Zalo message id (partnerids / msg_id)
    std::optional<std::string> template_id;

    std::optional<int> error_code;  // Zalo/provider error code, from error_info or error_code
    std::optional<std::string> error_message;

    std::optional<int> zalo_status;  // GetZaloMessageStatus status: -1, 0, 1
    std::optional<Timestamp> delivered_at;

    std::string raw;  // the payload exactly as received (query string or JSON body)

    friend bool operator==(const Observation&, const Observation&) = default;
};

}  // namespace deliveryd::core
