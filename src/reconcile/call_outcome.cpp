#include "deliveryd/reconcile/call_outcome.hpp"

#include "deliveryd/reconcile/status_source.hpp"

#include "reconcile/sources/outcomes.hpp"

namespace deliveryd::reconcile {

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
    if (answer.failure != net::HttpFailure::none) {
        return sources::outcome(CallVerdict::retry, net::to_string(answer.failure));
    }
    if (call.sms_ids.empty() && call.cursor.empty()) {
        // Nothing was asked: nothing to learn but what the status says of
        // the endpoint.
        if (auto decided = sources::by_http_status(answer)) {
            return std::move(*decided);
        }
        return sources::outcome(CallVerdict::answered, "ok");
    }
    return call.source->interpret(call, answer, received_at);
}

}  // namespace deliveryd::reconcile
