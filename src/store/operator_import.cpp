// deliveryd import: register sent messages in bulk, idempotently.
#include <pqxx/pqxx>

#include "deliveryd/store/operator_queries.hpp"

#include "store/pg_array.hpp"

namespace deliveryd::store {
namespace {

constexpr std::size_t chunk_rows = 5'000;

// Rows in key order (the lock order of every writer); a column left NULL
// takes its default, as in a sender's INSERT that does not name it.
constexpr const char* insert_sql = R"sql(
INSERT INTO delivery_state
    (sms_id, provider, account, type_id, oa_id, phone, request_id, template_id, submitted_at)
SELECT k.sms_id, coalesce(k.provider, 'esms'), coalesce(k.account, 'default'), k.type_id,
       k.oa_id, k.phone, k.request_id, k.template_id,
       coalesce(timestamptz 'epoch' + k.submitted_us * interval '1 microsecond', now())
FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[],
            $8::text[], $9::bigint[])
    AS k(sms_id, provider, account, type_id, oa_id, phone, request_id, template_id, submitted_us)
ORDER BY k.sms_id
ON CONFLICT (sms_id) DO NOTHING
)sql";

}  // namespace

ImportResult import_messages(ConnectionPool& pool, std::span<const RegisteredMessage> messages) {
    ImportResult result;
    pool.with_connection([&](pqxx::connection_base& c) {
        result = ImportResult{};
        pqxx::work tx(c);
        for (std::size_t first = 0; first < messages.size(); first += chunk_rows) {
            const auto chunk =
                messages.subspan(first, std::min(chunk_rows, messages.size() - first));
            PgArray ids, providers, accounts, types, oas, phones, requests, templates, submitted;
            for (const auto& m : chunk) {
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
            }
            const auto inserted =
                tx.exec_params(insert_sql, ids.finish(), providers.finish(), accounts.finish(),
                               types.finish(), oas.finish(), phones.finish(), requests.finish(),
                               templates.finish(), submitted.finish())
                    .affected_rows();
            result.inserted += inserted;
            result.already_present += chunk.size() - inserted;
        }
        tx.commit();
    });
    return result;
}

}  // namespace deliveryd::store
