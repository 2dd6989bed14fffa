// Converts between core::State / core::Observation and the column arrays of
// the prepared statements in statements.cpp. Private to store/.
#pragma once

#include <span>
#include <string>
#include <vector>

#include <pqxx/row>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/state.hpp"

namespace deliveryd::store {

// A row of statements::read_rows, lock_rows or find_row.
[[nodiscard]] core::State read_state(const pqxx::row& row);

// The columns of a delivery_event row as a SELECT list, in read_event()'s order.
inline constexpr const char* event_columns = R"sql(
       sms_id, source, (extract(epoch FROM observed_at) * 1000000)::bigint, state,
       send_status, send_success, send_failed, total_receiver, total_sent,
       (total_price * 10000)::bigint, telco_id, type_id, oa_id, phone, zalo_user_id,
       request_id, partner_id, template_id, error_code, error_message, zalo_status,
       (extract(epoch FROM delivered_at) * 1000000)::bigint, raw_payload,
       (extract(epoch FROM provider_at) * 1000000)::bigint, fallback_sms_status,
       (extract(epoch FROM fallback_sms_at) * 1000000)::bigint
)sql";

// A row selected with event_columns, as the Observation it logged. The event
// log does not keep the provider: it is `provider`.
[[nodiscard]] core::Observation read_event(const pqxx::row& row, core::Provider provider);

// The column of read_rows and lock_rows after the State's: the row's version.
inline constexpr int row_version_column = 38;

// The row columns of statements::write_batch ($1 to $33) for these rows, in order.
[[nodiscard]] std::vector<std::string> write_rows_params(
    const std::vector<const core::State*>& rows);

// The event columns of statements::write_batch ($35 to $60) for these observations.
[[nodiscard]] std::vector<std::string> append_events_params(
    std::span<const core::Observation> observations);

}  // namespace deliveryd::store
