// State: the canonical row of delivery_state (sql/001_initial.sql and the
// migrations after it define its columns), as C++ data.
// merge() (merge.hpp) is the only code that derives status fields; the store
// reads and writes these fields one-to-one with the table's columns.
#pragma once

#include <optional>
#include <string>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/status.hpp"

namespace deliveryd::core {

struct State {
    // Identity and what the sender (or the first report) told us.
    std::string sms_id;
    Provider provider = Provider::esms;
    std::string account = "default";
    std::optional<int> type_id;
    std::optional<std::string> oa_id;
    std::optional<std::string> phone;
    std::optional<std::string> zalo_user_id;
    std::optional<std::string> request_id;

    // The merged status.
    StateLabel state = StateLabel::submitted;
    bool is_final = false;

    // The counts: SendStatus, the counters and the price, all from one report
    // (never mixed from two), the one that ranks highest by the counts order
    // of merge.hpp. counts_state / counts_at / counts_source place that
    // report in the order: its own label, its time (the provider's when it
    // gave one, else when it was received) and its source.
    std::optional<int> send_status;
    std::optional<int> send_success;
    std::optional<int> send_failed;
    std::optional<int> total_receiver;
    std::optional<int> total_sent;
    std::optional<Price> total_price;
    std::optional<StateLabel> counts_state;
    std::optional<Timestamp> counts_at;
    std::optional<Source> counts_source;

    std::optional<int> telco_id;
    std::optional<std::string> partner_id;
    std::optional<std::string> template_id;
    std::optional<int> error_code;
    std::optional<std::string> error_message;
    std::optional<int> zalo_status;
    std::optional<Timestamp> delivered_at;

    // eTelecom's SMS fallback, from the report with the latest send time.
    std::optional<std::string> fallback_sms_status;
    std::optional<Timestamp> fallback_sms_at;

    // Which observation decided `state`, so that merging stays independent of
    // arrival order: among reports of the winning state the earliest wins.
    std::optional<Timestamp> state_at;
    std::optional<Source> state_source;
    // The polling window has ended: rows with no status become `expired`,
    // ZNS rows still `sent` become final.
    bool window_closed = false;
    // When it ended (the earliest close_window() time). Persist it with
    // window_closed: merge() needs it to recompute final_at when a late report
    // arrives after the close. If a State comes back with window_closed but
    // without it, merge() falls back to final_at, then state_at, then submitted_at.
    std::optional<Timestamp> window_closed_at;
    std::optional<Timestamp> final_at;
    std::optional<Resolver> resolved_by;

    // Kept by the store and the scheduler; merge() leaves them as they are.
    Timestamp submitted_at;
    Timestamp updated_at;
    int poll_attempts = 0;
    std::optional<Timestamp> next_poll_at;

    friend bool operator==(const State&, const State&) = default;
};

}  // namespace deliveryd::core
