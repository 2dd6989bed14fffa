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

// An eSMS result code other than 100. `about_one_message`: the call asks
// about one message and eSMS answers its ids one by one, so a 101 ("wrong
// keys") may be about that message rather than the keys (see
// CallVerdict::credentials_or_unknown_id).
[[nodiscard]] CallOutcome esms_code(int code, std::string_view message, bool about_one_message);

}  // namespace deliveryd::reconcile::sources
