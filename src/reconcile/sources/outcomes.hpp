// The verdicts that several sources share: how an HTTP status and an eSMS
// result code are classed. Private to src/reconcile; pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "deliveryd/reconcile/call_outcome.hpp"

namespace deliveryd::reconcile::sources {

[[nodiscard]] CallOutcome outcome(CallVerdict verdict, std::string label, std::string detail = {});

// A body that could not be read: asked again soon, like a timeout.
[[nodiscard]] CallOutcome malformed(std::string why);

// HTTP 200 is nullopt (the body decides; eSMS answers its codes with 200).
// 401/403 credentials, 429 tps_exceeded, else retry (http_5xx, http_4xx).
[[nodiscard]] std::optional<CallOutcome> by_http_status(const CallAnswer& answer);

// An eSMS result code other than 100 to `call`. A 101 ("wrong keys") to a
// call about one message of a one-id endpoint may be about that message
// rather than the keys (CallVerdict::credentials_or_unknown_id). A many-id
// endpoint (GetCallback) leaves out the ids it holds nothing for instead of
// refusing them, so its 101 can only be about the call itself: the keys.
[[nodiscard]] CallOutcome esms_code(const PlannedCall& call, int code, std::string_view message);

}  // namespace deliveryd::reconcile::sources
