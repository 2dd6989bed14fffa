// What the eSMS sources share: an account's settings and credentials, and the
// rows no eSMS endpoint can be asked about. Private to src/reconcile; pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "deliveryd/core/state.hpp"
#include "deliveryd/providers/esms/credentials.hpp"
#include "deliveryd/reconcile/settings.hpp"
#include "deliveryd/reconcile/status_source.hpp"

#include "reconcile/sources/row_text.hpp"

namespace deliveryd::reconcile::sources {

// The configured eSMS account of this name, or nullptr.
[[nodiscard]] const EsmsAccount* esms_account(const PollingSettings& settings,
                                              std::string_view name);

// The account's keys. Throws std::out_of_range for an account not configured.
[[nodiscard]] providers::esms::Credentials esms_credentials(const PollingSettings& settings,
                                                            std::string_view name);

// A refusal when eSMS cannot have issued the row's sms_id: no eSMS endpoint
// would answer for it.
[[nodiscard]] std::optional<Refusal> esms_id_refusal(const core::State& row);

}  // namespace deliveryd::reconcile::sources
