// eSMS GetSmsSentData_V2: an account's messages of one SmsType created in a
// time window, 500 per page at most, each with its SMSID (ReferenceId),
// SendStatus and SendResult. POST <api_base>/MainService.svc/json/GetSmsSentData_V2.
// eSMS documents no rate; deliveryd's default is 1 call/s per account.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/status.hpp"
#include "deliveryd/providers/esms/credentials.hpp"
#include "deliveryd/providers/esms/result_code.hpp"
#include "deliveryd/providers/http_request.hpp"
#include "deliveryd/providers/parse_result.hpp"

namespace deliveryd::providers::esms {

inline constexpr std::string_view sms_sent_data_path = "/MainService.svc/json/GetSmsSentData_V2";
inline constexpr int sms_sent_data_page_size = 500;  // the most a page holds

struct SmsSentDataQuery {
    int sms_type = 2;      // one SmsType (TypeId) per call
    core::Timestamp from;  // creation time, inclusive
    core::Timestamp to;    // creation time
    int page = 1;          // counts from 1
};

// Body {"ApiKey","SecretKey","SmsType","From","To","Page","PageSize"}:
// SmsType as a decimal string (as the send requests carry it), From/To as
// "yyyy-MM-dd HH:mm:ss" in Vietnam time (eSMS's local time, as the +0700 of
// its dates shows), Page and PageSize (500) as numbers.
[[nodiscard]] HttpRequest build_sms_sent_data_request(std::string_view api_base,
                                                      const Credentials& credentials,
                                                      const SmsSentDataQuery& query);

struct SmsSentDataResponse {
    int code = 0;  // CodeResult
    ResultClass result = ResultClass::retry_later;
    std::string message;  // ErrorMessage, for logs
    // CountTotal: messages in the whole window (all pages), when given.
    std::optional<std::int64_t> count_total;
    std::size_t entries = 0;  // SentData entries on this page, skipped ones included
    // One per entry with a usable ReferenceId, in page order: source
    // sms_sent_data, sms_id = ReferenceId, type_id = SmsType, phone (when it
    // reads as a Vietnamese phone number), send_status, total_price =
    // SellPrice, provider_at = SentTime (a WCF date, when plausible). Label:
    // SendStatus 0 (composing) submitted, 1 pending_approval, 2 waiting,
    // 4 rejected, 7 sent_to_telco, 5 by SendResult: 1 sent, 0 failed,
    // 2 (undetermined) sent_to_telco; any other SendStatus or SendResult
    // leaves it submitted (sent_to_telco for SendStatus 5), named in
    // unknown_status. No counters: a listing reports an outcome, not counts.
    // raw = the entry as JSON without Content (a message's text can hold a
    // one-time code or personal data; deliveryd does not keep it).
    std::vector<core::Observation> observations;
};

[[nodiscard]] ParseResult<SmsSentDataResponse> parse_sms_sent_data_response(
    std::string_view body, core::Timestamp received_at) noexcept;

}  // namespace deliveryd::providers::esms
