#include "deliveryd/reconcile/call_outcome.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "deliveryd/core/text.hpp"
#include "deliveryd/providers/esms/get_callback.hpp"
#include "deliveryd/providers/esms/get_send_status.hpp"
#include "deliveryd/providers/esms/result_code.hpp"
#include "deliveryd/providers/esms/zalo_message_status.hpp"
#include "deliveryd/providers/etelecom/get_message.hpp"

namespace deliveryd::reconcile {
namespace {

using providers::esms::ResultClass;

CallOutcome verdict(CallVerdict v, std::string outcome, std::string detail = {}) {
    CallOutcome out;
    out.verdict = v;
    out.outcome = std::move(outcome);
    out.detail = std::move(detail);
    return out;
}

// eSMS codes that answer "nothing known about this id yet": an answer about
// the message, not a failure of the endpoint (which would slow every other
// message of the account down).
bool no_data_yet(int code) {
    return code == 105 || code == 854;
}

// eSMS's code for wrong ApiKey/SecretKey, which its GetSendStatus sample also
// answers with the SMSID asked about echoed back.
constexpr int wrong_keys = 101;

// Whether a 101 to this call may be about the one message it asks about
// rather than the keys. GetCallback is the exception: it leaves out the ids it
// holds nothing for instead of refusing them, so its 101 can only be about the
// call itself, which carries up to 200 ids: the keys.
bool refusal_may_be_about_the_message(const PlannedCall& call) {
    return call.endpoint != Endpoint::get_callback && call.sms_ids.size() == 1;
}

// The verdict for an eSMS result code other than 100.
CallOutcome esms_code(const PlannedCall& call, int code, std::string_view message) {
    const auto detail =
        fmt::format("code {} ({}){}{}", code, providers::esms::describe_result_code(code),
                    message.empty() ? "" : ": ", core::to_log_text(message));
    if (no_data_yet(code)) {
        return verdict(CallVerdict::answered, "no_data", detail);
    }
    if (code == 160) {
        return verdict(CallVerdict::tps_exceeded, "tps_exceeded", detail);
    }
    if (code == wrong_keys && refusal_may_be_about_the_message(call)) {
        return verdict(CallVerdict::credentials_or_unknown_id, "credentials", detail);
    }
    switch (providers::esms::classify_result_code(code)) {
        case ResultClass::credentials:
            return verdict(CallVerdict::credentials, "credentials", detail);
        case ResultClass::permanent_failure:
            return verdict(CallVerdict::rejected, "rejected", detail);
        case ResultClass::success:
        case ResultClass::retry_later:
            break;
    }
    return verdict(CallVerdict::retry, "retry_code", detail);
}

// The HTTP status alone decides (eSMS answers its codes with HTTP 200).
std::optional<CallOutcome> by_http_status(const PlannedCall& call, const CallAnswer& answer) {
    const int status = answer.http_status;
    if (status == 200) {
        return std::nullopt;
    }
    const auto detail = fmt::format("HTTP {}", status);
    if (status == 401 || status == 403) {
        return verdict(CallVerdict::credentials, "credentials", detail);
    }
    if (status == 429) {
        return verdict(CallVerdict::tps_exceeded, "tps_exceeded", detail);
    }
    if (call.endpoint == Endpoint::etelecom_get_message) {
        // Twirp errors: 404 not_found is about the message (not sent yet,
        // or not this OA's); 400 invalid_argument refuses our request for it.
        if (status == 404 && answer.body.find("not_found") != std::string_view::npos) {
            return verdict(CallVerdict::answered, "no_data", detail + " not_found");
        }
        if (status == 400) {
            return verdict(CallVerdict::rejected, "rejected", detail);
        }
    }
    if (status >= 500) {
        return verdict(CallVerdict::retry, "http_5xx", detail);
    }
    return verdict(CallVerdict::retry, "http_4xx", detail);
}

CallOutcome malformed(std::string why) {
    return verdict(CallVerdict::retry, "malformed", std::move(why));
}

CallOutcome get_callback(const PlannedCall& call, std::string_view body, core::Timestamp at) {
    auto parsed = providers::esms::parse_get_callback_response(body, at);
    if (!parsed) {
        return malformed(std::move(parsed.error));
    }
    auto& answer = *parsed.value;
    if (answer.code != 100) {
        return esms_code(call, answer.code, answer.message);
    }
    auto out = verdict(CallVerdict::answered, "ok");
    // An entry about an id that was not asked about is dropped: this OA's
    // call must not write rows it has no business with.
    std::vector<std::string_view> asked(call.sms_ids.begin(), call.sms_ids.end());
    std::sort(asked.begin(), asked.end());
    for (auto& observation : answer.observations) {
        if (std::binary_search(asked.begin(), asked.end(), std::string_view(observation.sms_id))) {
            out.observations.push_back(std::move(observation));
        } else {
            out.notes.push_back("an entry for an id not asked about was ignored");
        }
    }
    out.missing = missing_ids(call.sms_ids, out.observations);
    out.notes.insert(out.notes.end(), parsed.notes.begin(), parsed.notes.end());
    return out;
}

CallOutcome send_status(const PlannedCall& call, std::string_view body, core::Timestamp at) {
    auto parsed = providers::esms::parse_get_send_status_response(body, call.sms_ids.front(), at);
    if (!parsed) {
        return malformed(std::move(parsed.error));
    }
    auto& answer = *parsed.value;
    if (answer.code != 100) {
        return esms_code(call, answer.code, {});
    }
    auto out = verdict(CallVerdict::answered, "ok");
    if (answer.observation) {
        out.observations.push_back(std::move(*answer.observation));
    }
    out.notes = std::move(parsed.notes);
    return out;
}

CallOutcome zalo_status(const PlannedCall& call, std::string_view body, core::Timestamp at) {
    auto parsed = providers::esms::parse_zalo_message_status_response(
        body, call.sms_ids.front(), call.oa_id, call.message_id, at);
    if (!parsed) {
        return malformed(std::move(parsed.error));
    }
    auto& answer = *parsed.value;
    if (answer.code != 100) {
        return esms_code(call, answer.code, answer.message);
    }
    auto out = verdict(CallVerdict::answered, answer.message_found ? "ok" : "no_data");
    if (answer.observation) {
        out.observations.push_back(std::move(*answer.observation));
    }
    out.notes = std::move(parsed.notes);
    return out;
}

CallOutcome etelecom_get_message(const PlannedCall& call, std::string_view body,
                                 core::Timestamp at) {
    auto parsed = providers::etelecom::parse_get_message_response(body, call.sms_ids.front(), at);
    if (!parsed) {
        return malformed(std::move(parsed.error));
    }
    auto out = verdict(CallVerdict::answered, "ok");
    out.observations.push_back(std::move(parsed.value->observation));
    out.notes = std::move(parsed.notes);
    return out;
}

}  // namespace

std::string_view to_string(CallVerdict v) noexcept {
    switch (v) {
        case CallVerdict::answered:
            return "answered";
        case CallVerdict::rejected:
            return "rejected";
        case CallVerdict::retry:
            return "retry";
        case CallVerdict::tps_exceeded:
            return "tps_exceeded";
        case CallVerdict::credentials:
            return "credentials";
        case CallVerdict::credentials_or_unknown_id:
            return "credentials_or_unknown_id";
    }
    return "unknown";
}

CallOutcome interpret_answer(const PlannedCall& call, const CallAnswer& answer,
                             core::Timestamp received_at) {
    if (!answer.transport_failure.empty()) {
        return verdict(CallVerdict::retry, std::string(answer.transport_failure));
    }
    if (auto decided = by_http_status(call, answer)) {
        return std::move(*decided);
    }
    if (call.sms_ids.empty()) {
        return verdict(CallVerdict::answered, "ok");  // nothing was asked: nothing to learn
    }
    switch (call.endpoint) {
        case Endpoint::get_callback:
            return get_callback(call, answer.body, received_at);
        case Endpoint::send_status:
            return send_status(call, answer.body, received_at);
        case Endpoint::zalo_status:
            return zalo_status(call, answer.body, received_at);
        case Endpoint::etelecom_get_message:
            return etelecom_get_message(call, answer.body, received_at);
    }
    return malformed("unknown endpoint");
}

}  // namespace deliveryd::reconcile
