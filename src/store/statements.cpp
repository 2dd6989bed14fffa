#include "store/statements.hpp"

#include <string>

#include <pqxx/pqxx>

namespace deliveryd::store::statements {
namespace {

// Timestamps travel as microseconds since the Unix epoch (exact both ways);
// prices as whole ten-thousandths (exact numeric(18,4)).

// The columns of a State, in read_state()'s order.
constexpr const char* state_columns_sql = R"sql(
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
       poll_attempts, (extract(epoch FROM next_poll_at) * 1000000)::bigint,
       counts_state, (extract(epoch FROM counts_at) * 1000000)::bigint, counts_source,
       fallback_sms_status, (extract(epoch FROM fallback_sms_at) * 1000000)::bigint
)sql";

// The batch's rows that exist, each with its version (the xmin of the row
// version read: any update changes it), in the order of the ids given.
//
// One primary-key probe per id, rather than `sms_id = ANY($1)`: the plan a
// connection caches is made against the table as it was then, and for a
// table not analysed yet the planner prefers scanning all of it for `= ANY`,
// a plan it keeps while the table grows, until autovacuum's first ANALYZE.
// `suffix` must keep the planner from flattening the per-id subquery into a
// join, which it would then plan the same way.
std::string rows_by_id_sql(const char* suffix) {
    return std::string("SELECT") + state_columns_sql +
           ", d.row_version::text::bigint "
           "FROM unnest($1::text[]) AS k(id) CROSS JOIN LATERAL ("
           "SELECT *, xmin AS row_version FROM delivery_state WHERE sms_id = k.id " +
           suffix + ") AS d";
}

// Reads without locking (write_batch checks the versions under lock).
// OFFSET 0 is the planner's customary fence against flattening.
const std::string read_rows_sql = rows_by_id_sql("OFFSET 0");

// Reads and locks, the ids sorted: the same order in every transaction.
const std::string lock_rows_sql = rows_by_id_sql("FOR UPDATE");

const std::string find_row_sql =
    std::string("SELECT") + state_columns_sql + "FROM delivery_state WHERE sms_id = $1";

// Writes a merged batch in one statement, or nothing at all. Returns true
// when it wrote; false when a row changed after the batch read it (the
// caller reads and merges again). An id the batch found no row for and that
// exists by now fails the statement with a unique violation (likewise).
//
// Phases, each in key order, so that no two batches wait for each other in
// a cycle: lock the existing rows the batch changed and check their versions
// (`held`); insert the new rows (`created`); only then update the existing
// rows (`changed`, which joins `inserted` to run after every insert) and
// append every observation to the event log (`logged`).
//
// Each new row is written once, final: inserting it and then updating it
// would write it twice, and that update could not be HOT (is_final is the
// predicate of delivery_state_due). A row that is final is not polled.
//
// Existing rows are written back with INSERT ... ON CONFLICT DO UPDATE: they
// are locked, so each one conflicts and is updated, found through the
// primary key. An UPDATE ... FROM would be a join, and the plan a connection
// caches for it while the table is small is a hash join over all of it.
constexpr const char* write_batch_sql = R"sql(
WITH batch AS MATERIALIZED (
    SELECT u.sms_id, u.provider, u.type_id, u.oa_id, u.phone, u.zalo_user_id, u.request_id,
           u.state, u.is_final, u.send_status, u.send_success, u.send_failed,
           u.total_receiver, u.total_sent, u.total_price::numeric / 10000 AS total_price,
           u.telco_id, u.partner_id, u.template_id, u.error_code, u.error_message,
           u.zalo_status,
           timestamptz 'epoch' + u.delivered_at * interval '1 microsecond' AS delivered_at,
           timestamptz 'epoch' + u.state_at * interval '1 microsecond' AS state_at,
           u.state_source, u.window_closed,
           timestamptz 'epoch' + u.window_closed_at * interval '1 microsecond'
               AS window_closed_at,
           timestamptz 'epoch' + u.final_at * interval '1 microsecond' AS final_at,
           u.resolved_by, u.counts_state,
           timestamptz 'epoch' + u.counts_at * interval '1 microsecond' AS counts_at,
           u.counts_source, u.fallback_sms_status,
           timestamptz 'epoch' + u.fallback_sms_at * interval '1 microsecond' AS fallback_sms_at,
           u.version, u.n
    FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[],
                $7::text[], $8::text[], $9::bool[], $10::int[], $11::int[], $12::int[],
                $13::int[], $14::int[], $15::bigint[], $16::int[], $17::text[], $18::text[],
                $19::int[], $20::text[], $21::int[], $22::bigint[], $23::bigint[], $24::text[],
                $25::bool[], $26::bigint[], $27::bigint[], $28::text[], $29::text[],
                $30::bigint[], $31::text[], $32::text[], $33::bigint[], $34::bigint[])
         WITH ORDINALITY
         AS u(sms_id, provider, type_id, oa_id, phone, zalo_user_id, request_id,
              state, is_final, send_status, send_success, send_failed, total_receiver,
              total_sent, total_price, telco_id, partner_id, template_id, error_code,
              error_message, zalo_status, delivered_at, state_at, state_source, window_closed,
              window_closed_at, final_at, resolved_by, counts_state, counts_at, counts_source,
              fallback_sms_status, fallback_sms_at, version, n)
),
held AS MATERIALIZED (
    SELECT d.xmin::text::bigint = u.version AS unchanged
    FROM batch AS u
    CROSS JOIN LATERAL (
        SELECT xmin FROM delivery_state WHERE sms_id = u.sms_id FOR UPDATE
    ) AS d
    WHERE u.version IS NOT NULL
),
verdict AS (
    SELECT count(*) = (SELECT count(*) FROM batch WHERE version IS NOT NULL)
           AND bool_and(unchanged) IS NOT FALSE AS go
    FROM held
),
created AS (
    INSERT INTO delivery_state (
        sms_id, provider, type_id, oa_id, phone, zalo_user_id, request_id,
        state, is_final, send_status, send_success, send_failed, total_receiver, total_sent,
        total_price, telco_id, partner_id, template_id, error_code, error_message, zalo_status,
        delivered_at, state_at, state_source, window_closed, window_closed_at, final_at,
        resolved_by, counts_state, counts_at, counts_source, fallback_sms_status,
        fallback_sms_at, next_poll_at)
    SELECT sms_id, provider, type_id, oa_id, phone, zalo_user_id, request_id,
           state, is_final, send_status, send_success, send_failed, total_receiver, total_sent,
           total_price, telco_id, partner_id, template_id, error_code, error_message,
           zalo_status, delivered_at, state_at, state_source, window_closed, window_closed_at,
           final_at, resolved_by, counts_state, counts_at, counts_source, fallback_sms_status,
           fallback_sms_at,
           CASE WHEN is_final THEN NULL ELSE delivery_first_poll_at() END
    FROM batch, verdict
    WHERE verdict.go AND batch.version IS NULL
    ORDER BY n
    RETURNING 1
),
inserted AS (
    SELECT count(*) FROM created
),
changed AS (
    INSERT INTO delivery_state AS d (
        sms_id, provider, type_id, oa_id, phone, zalo_user_id, request_id,
        state, is_final, send_status, send_success, send_failed, total_receiver, total_sent,
        total_price, telco_id, partner_id, template_id, error_code, error_message, zalo_status,
        delivered_at, state_at, state_source, window_closed, window_closed_at, final_at,
        resolved_by, counts_state, counts_at, counts_source, fallback_sms_status,
        fallback_sms_at, next_poll_at)
    SELECT sms_id, provider, type_id, oa_id, phone, zalo_user_id, request_id,
           state, is_final, send_status, send_success, send_failed, total_receiver, total_sent,
           total_price, telco_id, partner_id, template_id, error_code, error_message,
           zalo_status, delivered_at, state_at, state_source, window_closed, window_closed_at,
           final_at, resolved_by, counts_state, counts_at, counts_source, fallback_sms_status,
           fallback_sms_at, now()
    FROM batch, verdict, inserted
    WHERE verdict.go AND batch.version IS NOT NULL
    ORDER BY n
    ON CONFLICT (sms_id) DO UPDATE SET
        provider = excluded.provider, type_id = excluded.type_id, oa_id = excluded.oa_id,
        phone = excluded.phone, zalo_user_id = excluded.zalo_user_id,
        request_id = excluded.request_id, state = excluded.state,
        is_final = excluded.is_final, send_status = excluded.send_status,
        send_success = excluded.send_success, send_failed = excluded.send_failed,
        total_receiver = excluded.total_receiver, total_sent = excluded.total_sent,
        total_price = excluded.total_price, telco_id = excluded.telco_id,
        partner_id = excluded.partner_id, template_id = excluded.template_id,
        error_code = excluded.error_code, error_message = excluded.error_message,
        zalo_status = excluded.zalo_status, delivered_at = excluded.delivered_at,
        state_at = excluded.state_at, state_source = excluded.state_source,
        window_closed = excluded.window_closed, window_closed_at = excluded.window_closed_at,
        final_at = excluded.final_at, resolved_by = excluded.resolved_by,
        counts_state = excluded.counts_state, counts_at = excluded.counts_at,
        counts_source = excluded.counts_source,
        fallback_sms_status = excluded.fallback_sms_status,
        fallback_sms_at = excluded.fallback_sms_at,
        updated_at = now(),
        -- A row a report made unresolved again (a final SMS row that a ZNS
        -- report turned into a ZNS waiting for its receipt) had no next poll:
        -- it is due now (excluded.next_poll_at).
        next_poll_at = CASE WHEN excluded.is_final THEN NULL
                            ELSE coalesce(d.next_poll_at, excluded.next_poll_at) END
),
logged AS (
    INSERT INTO delivery_event (
        sms_id, source, observed_at, state, send_status, send_success, send_failed,
        total_receiver, total_sent, total_price, telco_id, type_id, oa_id, phone,
        zalo_user_id, request_id, partner_id, template_id, error_code, error_message,
        zalo_status, delivered_at, raw_payload, provider_at, fallback_sms_status,
        fallback_sms_at)
    SELECT e.sms_id, e.source, timestamptz 'epoch' + e.observed_at * interval '1 microsecond',
           e.state, e.send_status, e.send_success, e.send_failed, e.total_receiver,
           e.total_sent, e.total_price::numeric / 10000, e.telco_id, e.type_id, e.oa_id,
           e.phone, e.zalo_user_id, e.request_id, e.partner_id, e.template_id, e.error_code,
           e.error_message, e.zalo_status,
           timestamptz 'epoch' + e.delivered_at * interval '1 microsecond', e.raw_payload,
           timestamptz 'epoch' + e.provider_at * interval '1 microsecond',
           e.fallback_sms_status,
           timestamptz 'epoch' + e.fallback_sms_at * interval '1 microsecond'
    FROM unnest($35::text[], $36::text[], $37::bigint[], $38::text[], $39::int[],
                $40::int[], $41::int[], $42::int[], $43::int[], $44::bigint[], $45::int[],
                $46::int[], $47::text[], $48::text[], $49::text[], $50::text[], $51::text[],
                $52::text[], $53::int[], $54::text[], $55::int[], $56::bigint[], $57::text[],
                $58::bigint[], $59::text[], $60::bigint[])
         AS e(sms_id, source, observed_at, state, send_status, send_success, send_failed,
              total_receiver, total_sent, total_price, telco_id, type_id, oa_id, phone,
              zalo_user_id, request_id, partner_id, template_id, error_code, error_message,
              zalo_status, delivered_at, raw_payload, provider_at, fallback_sms_status,
              fallback_sms_at),
         verdict
    WHERE verdict.go
)
SELECT go FROM verdict
)sql";

}  // namespace

const char* state_columns() noexcept {
    return state_columns_sql;
}

void prepare_all(pqxx::connection_base& connection) {
    connection.prepare(read_rows, read_rows_sql);
    connection.prepare(lock_rows, lock_rows_sql);
    connection.prepare(find_row, find_row_sql);
    connection.prepare(write_batch, write_batch_sql);
}

}  // namespace deliveryd::store::statements
