#include "store/statements.hpp"

#include <string>

#include <pqxx/pqxx>

namespace deliveryd::store::statements {
namespace {

// Timestamps travel as microseconds since the Unix epoch (exact both ways);
// prices as whole ten-thousandths (exact numeric(18,4)).

// Creates a row, with the column defaults a sender's INSERT would get, for
// every id of the batch that has none. Ids arrive sorted and are inserted in
// that order, so two batches creating overlapping ids cannot deadlock.
constexpr const char* create_missing_rows_sql = R"sql(
INSERT INTO delivery_state (sms_id, provider)
SELECT u.sms_id, u.provider
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(sms_id, provider, n)
ORDER BY u.n
ON CONFLICT (sms_id) DO NOTHING
RETURNING sms_id
)sql";

// The columns of a State, in read_state()'s order.
constexpr const char* state_columns = R"sql(
       sms_id, provider, account, type_id, oa_id, phone, zalo_user_id, request_id,
       state, is_final, send_status, send_success, send_failed, total_receiver, total_sent,
       (total_price * 10000)::bigint, telco_id, partner_id, template_id,
       error_code, error_message, zalo_status,
       (extract(epoch FROM delivered_at) * 1000000)::bigint,
       (extract(epoch FROM state_at) * 1000000)::bigint, state_source,
       window_closed, (extract(epoch FROM window_closed_at) * 1000000)::bigint,
       (extract(epoch FROM final_at) * 1000000)::bigint, resolved_by,
       (extract(epoch FROM submitted_at) * 1000000)::bigint,
       (extract(epoch FROM updated_at) * 1000000)::bigint,
       poll_attempts, (extract(epoch FROM next_poll_at) * 1000000)::bigint
)sql";

// Locks the batch's rows in key order (the same order in every transaction:
// no deadlocks) and reads them.
const std::string lock_rows_sql = std::string("SELECT") + state_columns +
                                  "FROM delivery_state WHERE sms_id = ANY($1::text[]) "
                                  "ORDER BY sms_id FOR UPDATE";

const std::string find_row_sql =
    std::string("SELECT") + state_columns + "FROM delivery_state WHERE sms_id = $1";

// Writes merged rows back, all in one statement. A row that became final is
// no longer due for polling.
constexpr const char* write_rows_sql = R"sql(
UPDATE delivery_state AS d SET
    provider = u.provider, type_id = u.type_id, oa_id = u.oa_id, phone = u.phone,
    zalo_user_id = u.zalo_user_id, request_id = u.request_id,
    state = u.state, is_final = u.is_final, send_status = u.send_status,
    send_success = u.send_success, send_failed = u.send_failed,
    total_receiver = u.total_receiver, total_sent = u.total_sent,
    total_price = u.total_price::numeric / 10000, telco_id = u.telco_id,
    partner_id = u.partner_id, template_id = u.template_id,
    error_code = u.error_code, error_message = u.error_message, zalo_status = u.zalo_status,
    delivered_at = timestamptz 'epoch' + u.delivered_at * interval '1 microsecond',
    state_at = timestamptz 'epoch' + u.state_at * interval '1 microsecond',
    state_source = u.state_source, window_closed = u.window_closed,
    window_closed_at = timestamptz 'epoch' + u.window_closed_at * interval '1 microsecond',
    final_at = timestamptz 'epoch' + u.final_at * interval '1 microsecond',
    resolved_by = u.resolved_by,
    updated_at = now(),
    next_poll_at = CASE WHEN u.is_final THEN NULL ELSE d.next_poll_at END
FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[],
            $8::text[], $9::bool[], $10::int[], $11::int[], $12::int[], $13::int[], $14::int[],
            $15::bigint[], $16::int[], $17::text[], $18::text[], $19::int[], $20::text[],
            $21::int[], $22::bigint[], $23::bigint[], $24::text[], $25::bool[], $26::bigint[],
            $27::bigint[], $28::text[])
     AS u(sms_id, provider, type_id, oa_id, phone, zalo_user_id, request_id,
          state, is_final, send_status, send_success, send_failed, total_receiver, total_sent,
          total_price, telco_id, partner_id, template_id, error_code, error_message,
          zalo_status, delivered_at, state_at, state_source, window_closed, window_closed_at,
          final_at, resolved_by)
WHERE d.sms_id = u.sms_id
)sql";

// Appends every observation of the batch, raw and parsed.
constexpr const char* append_events_sql = R"sql(
INSERT INTO delivery_event (
    sms_id, source, observed_at, state, send_status, send_success, send_failed,
    total_receiver, total_sent, total_price, telco_id, type_id, oa_id, phone, zalo_user_id,
    request_id, partner_id, template_id, error_code, error_message, zalo_status,
    delivered_at, raw_payload)
SELECT u.sms_id, u.source, timestamptz 'epoch' + u.observed_at * interval '1 microsecond',
       u.state, u.send_status, u.send_success, u.send_failed, u.total_receiver, u.total_sent,
       u.total_price::numeric / 10000, u.telco_id, u.type_id, u.oa_id, u.phone,
       u.zalo_user_id, u.request_id, u.partner_id, u.template_id, u.error_code,
       u.error_message, u.zalo_status,
       timestamptz 'epoch' + u.delivered_at * interval '1 microsecond', u.raw_payload
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::int[], $7::int[],
            $8::int[], $9::int[], $10::bigint[], $11::int[], $12::int[], $13::text[],
            $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::int[],
            $20::text[], $21::int[], $22::bigint[], $23::text[])
     AS u(sms_id, source, observed_at, state, send_status, send_success, send_failed,
          total_receiver, total_sent, total_price, telco_id, type_id, oa_id, phone,
          zalo_user_id, request_id, partner_id, template_id, error_code, error_message,
          zalo_status, delivered_at, raw_payload)
)sql";

}  // namespace

void prepare_all(pqxx::connection_base& connection) {
    connection.prepare(create_missing_rows, create_missing_rows_sql);
    connection.prepare(lock_rows, lock_rows_sql);
    connection.prepare(find_row, find_row_sql);
    connection.prepare(write_rows, write_rows_sql);
    connection.prepare(append_events, append_events_sql);
}

}  // namespace deliveryd::store::statements
