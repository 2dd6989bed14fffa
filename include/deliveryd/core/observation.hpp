// Observation: one status report about one message from one source, normalised.
// Every provider format (callback query, GetCallback, GetSendStatus,
// GetZaloMessageStatus, eTelecom GetMessage) is parsed into this one shape, and
// merge() folds Observations into a State. Plain data; copyable; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

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

    // Zalo/provider error code as the report gives it (from error_info or
    // error_code). 0 is Zalo's success code: kept here as reported, and never
    // an error of the row (is_error_code).
    std::optional<int> error_code;
    std::optional<std::string> error_message;

    std::optional<int> zalo_status;  // GetZaloMessageStatus status: -1, 0, 1
    std::optional<Timestamp> delivered_at;

    // When the provider says the reported event happened: the
    // "____dd/MM/yyyy HH:mm:ss" stamp eSMS appends to error_info. nullopt
    // when the report carries no time of its own.
    std::optional<Timestamp> provider_at;

    // eTelecom: the SMS sent in place of a ZNS that failed (the answer's `sms`
    // object): its status text exactly as sent (the values are not
    // documented) and its send time.
    std::optional<std::string> fallback_sms_status;
    std::optional<Timestamp> fallback_sms_at;

    // A status value of this report whose meaning is not documented (a
    // SendStatus outside 1, 2, 4, 5, 7, a Zalo data.status outside -1..1,
    // an eTelecom delivery_status other than unknown/received/seen), as text.
    // The report still counts (its event is stored, its other fields merge);
    // the value says nothing about progress, so `state` does not move for it.
    std::optional<std::string> unknown_status;

    std::string raw;  // the payload exactly as received (query string or JSON body)

    friend bool operator==(const Observation&, const Observation&) = default;
};

// A report with what every parser sets first: who said it about which
// message, when deliveryd received it, and the payload as received.
[[nodiscard]] inline Observation report_from(Source source, Provider provider, std::string sms_id,
                                             Timestamp received_at, std::string raw) {
    Observation o;
    o.source = source;
    o.provider = provider;
    o.sms_id = std::move(sms_id);
    o.observed_at = received_at;
    o.raw = std::move(raw);
    return o;
}

}  // namespace deliveryd::core
