// deliveryd import: register sent messages in bulk, idempotently.
#include <algorithm>
#include <array>

#include <pqxx/pqxx>

#include "deliveryd/store/operator_queries.hpp"

#include "store/pg_array.hpp"

namespace deliveryd::store {
namespace {

constexpr std::size_t chunk_rows = 5'000;

// Rows in byte order of sms_id, the order every writer locks rows in
// (COLLATE "C": the database's collation may order differently); a column
// left NULL takes its default, as in a sender's INSERT that does not name it.
constexpr const char* insert_sql = R"sql(
INSERT INTO delivery_state
    (sms_id, provider, account, type_id, oa_id, phone, request_id, template_id, submitted_at,
     scheduled_at)
SELECT k.sms_id, coalesce(k.provider, 'esms'), coalesce(k.account, 'default'), k.type_id,
       k.oa_id, k.phone, k.request_id, k.template_id,
       coalesce(timestamptz 'epoch' + k.submitted_us * interval '1 microsecond', now()),
       timestamptz 'epoch' + k.scheduled_us * interval '1 microsecond'
FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[],
            $8::text[], $9::bigint[], $10::bigint[])
    AS k(sms_id, provider, account, type_id, oa_id, phone, request_id, template_id, submitted_us,
         scheduled_us)
ORDER BY k.sms_id COLLATE "C"
ON CONFLICT (sms_id) DO NOTHING
)sql";

}  // namespace

ImportResult import_messages(ConnectionPool& pool, std::span<const RegisteredMessage> messages) {
    // The input in byte order, then one statement (so one transaction) per
    // chunk: a chunk takes its rows in the order callback batches lock rows
    // in, and holds them only until it commits, so the two never wait for
    // each other in a cycle (a caller that streams a file in parts sorts each
    // part alike). Rerunning an interrupted import completes it (rows already
    // registered are skipped).
    std::vector<const RegisteredMessage*> sorted;
    sorted.reserve(messages.size());
    for (const auto& m : messages) {
        sorted.push_back(&m);
    }
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto* a, const auto* b) { return a->sms_id < b->sms_id; });
    ImportResult result;
    for (std::size_t first = 0; first < sorted.size(); first += chunk_rows) {
        const auto count = std::min(chunk_rows, sorted.size() - first);
        PgArray ids, providers, accounts, types, oas, phones, requests, templates, submitted,
            scheduled;
        for (std::size_t i = first; i < first + count; ++i) {
            const auto& m = *sorted[i];
            ids.add(m.sms_id);
            providers.add(m.provider);
            accounts.add(m.account);
            types.add(m.type_id ? std::optional<std::int64_t>(*m.type_id) : std::nullopt);
            oas.add(m.oa_id);
            phones.add(m.phone);
            requests.add(m.request_id);
            templates.add(m.template_id);
            submitted.add(m.submitted_at ? std::optional<std::int64_t>(
                                               m.submitted_at->time_since_epoch().count())
                                         : std::nullopt);
            scheduled.add(m.scheduled_at ? std::optional<std::int64_t>(
                                               m.scheduled_at->time_since_epoch().count())
                                         : std::nullopt);
        }
        const auto params = std::array{ids.finish(),      providers.finish(), accounts.finish(),
                                       types.finish(),    oas.finish(),       phones.finish(),
                                       requests.finish(), templates.finish(), submitted.finish(),
                                       scheduled.finish()};
        std::size_t inserted = 0;
        pool.with_connection([&](pqxx::connection_base& c) {
            pqxx::nontransaction tx(c);  // one statement: its own transaction
            inserted =
                tx.exec_params(insert_sql, params[0], params[1], params[2], params[3], params[4],
                               params[5], params[6], params[7], params[8], params[9])
                    .affected_rows();
        });
        result.inserted += inserted;
        result.already_present += count - inserted;
    }
    return result;
}

}  // namespace deliveryd::store
