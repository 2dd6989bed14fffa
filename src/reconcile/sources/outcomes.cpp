#include "reconcile/sources/outcomes.hpp"

#include <fmt/format.h>

#include "deliveryd/core/text.hpp"
#include "deliveryd/providers/esms/result_code.hpp"
#include "deliveryd/reconcile/status_source.hpp"

namespace deliveryd::reconcile::sources {
namespace {

using providers::esms::ResultClass;

// eSMS codes that answer "nothing known about this id yet": an answer about
// the message, not a failure of the endpoint (which would slow every other
// message of the account down).
bool no_data_yet(int code) {
    return code == 105 || code == 854;
}

// eSMS's code for wrong ApiKey/SecretKey, which its GetSendStatus sample also
// answers with the SMSID asked about echoed back.
constexpr int wrong_keys = 101;

}  // namespace

CallOutcome outcome(CallVerdict verdict, std::string label, std::string detail) {
    CallOutcome out;
    out.verdict = verdict;
    out.outcome = std::move(label);
    out.detail = std::move(detail);
    return out;
}

CallOutcome malformed(std::string why) {
    return outcome(CallVerdict::retry, "malformed", std::move(why));
}

std::optional<CallOutcome> by_http_status(const CallAnswer& answer) {
    const int status = answer.http_status;
    if (status == 200) {
        return std::nullopt;
    }
    auto detail = fmt::format("HTTP {}", status);
    if (status == 401 || status == 403) {
        return outcome(CallVerdict::credentials, "credentials", std::move(detail));
    }
    if (status == 429) {
        return outcome(CallVerdict::tps_exceeded, "tps_exceeded", std::move(detail));
    }
    if (status >= 500) {
        return outcome(CallVerdict::retry, "http_5xx", std::move(detail));
    }
    return outcome(CallVerdict::retry, "http_4xx", std::move(detail));
}

CallOutcome esms_code(const PlannedCall& call, int code, std::string_view message) {
    const bool about_one_message = call.source->ids_per_call() == 1 && call.sms_ids.size() == 1;
    auto detail = fmt::format("code {} ({}){}{}", code, providers::esms::describe_result_code(code),
                              message.empty() ? "" : ": ", core::to_log_text(message));
    if (no_data_yet(code)) {
        return outcome(CallVerdict::answered, "no_data", std::move(detail));
    }
    if (code == 160) {
        return outcome(CallVerdict::tps_exceeded, "tps_exceeded", std::move(detail));
    }
    if (code == wrong_keys && about_one_message) {
        return outcome(CallVerdict::credentials_or_unknown_id, "credentials", std::move(detail));
    }
    switch (providers::esms::classify_result_code(code)) {
        case ResultClass::credentials:
            return outcome(CallVerdict::credentials, "credentials", std::move(detail));
        case ResultClass::permanent_failure:
            return outcome(CallVerdict::rejected, "rejected", std::move(detail));
        case ResultClass::success:
        case ResultClass::retry_later:
            break;
    }
    return outcome(CallVerdict::retry, "retry_code", std::move(detail));
}

}  // namespace deliveryd::reconcile::sources
