#include "deliveryd/store/unpolled_rows.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include <pqxx/pqxx>

#include "store/pg_array.hpp"
#include "store/unpolled_rows_sql.hpp"

namespace deliveryd::store {

// The distinct accounts of unresolved eSMS rows, not in $1: a loose index
// scan (each step finds the next account through an index's first column)
// over each of the two claim indexes, whose predicates together cover every
// unresolved eSMS row.
const char* const unpolled_rows_sql::esms_accounts = R"sql(
WITH RECURSIVE lookup(account) AS (
    (SELECT account FROM delivery_state
     WHERE NOT is_final AND provider = 'esms' AND (state <> 'sent' OR partner_id IS NULL)
     ORDER BY account LIMIT 1)
    UNION ALL
    SELECT (SELECT d.account FROM delivery_state AS d
            WHERE NOT d.is_final AND d.provider = 'esms'
              AND (d.state <> 'sent' OR d.partner_id IS NULL) AND d.account > l.account
            ORDER BY d.account LIMIT 1)
    FROM lookup AS l WHERE l.account IS NOT NULL
), zalo(account) AS (
    (SELECT account FROM delivery_state
     WHERE NOT is_final AND provider = 'esms' AND state = 'sent' AND partner_id IS NOT NULL
     ORDER BY account LIMIT 1)
    UNION ALL
    SELECT (SELECT d.account FROM delivery_state AS d
            WHERE NOT d.is_final AND d.provider = 'esms'
              AND d.state = 'sent' AND d.partner_id IS NOT NULL AND d.account > z.account
            ORDER BY d.account LIMIT 1)
    FROM zalo AS z WHERE z.account IS NOT NULL
)
SELECT account FROM lookup WHERE account IS NOT NULL AND account <> ALL($1::text[])
UNION
SELECT account FROM zalo WHERE account IS NOT NULL AND account <> ALL($1::text[])
)sql";

// $1 the accounts, $2 the cap: each account with its count, in one
// statement (a round trip per account made a thousand accounts cost more
// than their counting). One count per claim index, each with that index's
// predicate, so that each reads only the account's entries there.
const char* const unpolled_rows_sql::esms_rows = R"sql(
SELECT a.account, least($2::bigint,
    (SELECT count(*) FROM (
        SELECT 1 FROM delivery_state
        WHERE account = a.account AND NOT is_final AND provider = 'esms'
          AND (state <> 'sent' OR partner_id IS NULL)
        LIMIT $2) AS lookup)
  + (SELECT count(*) FROM (
        SELECT 1 FROM delivery_state
        WHERE account = a.account AND NOT is_final AND provider = 'esms'
          AND state = 'sent' AND partner_id IS NOT NULL
        LIMIT $2) AS zalo))
FROM unnest($1::text[]) AS a(account)
)sql";

namespace {

// Of the scopes named in $1, those another replica polls: it holds the
// scope's advisory lock now (store/operator_status.cpp says how a bigint key
// shows in pg_locks), or reported activity in the last two minutes (its
// lock may be changing hands). Replicas may have different configurations.
constexpr const char* polled_elsewhere_sql = R"sql(
SELECT s FROM unnest($1::text[]) AS s
WHERE EXISTS (
        SELECT 1 FROM pg_locks AS l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND ((l.classid::bigint << 32) | l.objid::bigint)
              = hashtextextended('deliveryd.poll/' || s, 0)
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
   OR EXISTS (
        SELECT 1 FROM deliveryd_poll_activity AS a
        WHERE a.scope = s AND a.updated_at > now() - interval '2 minutes')
)sql";

// $1 the cap.
constexpr const char* etelecom_rows_sql = R"sql(
SELECT count(*) FROM (
    SELECT 1 FROM delivery_state WHERE NOT is_final AND provider = 'etelecom' LIMIT $1
) AS capped
)sql";

}  // namespace

std::vector<UnpolledRows> find_unpolled_rows(ConnectionPool& pool,
                                             std::span<const PollScope> polled) {
    PgArray polled_accounts;
    bool etelecom_polled = false;
    for (const auto& scope : polled) {
        if (scope.kind == PollScope::Kind::etelecom) {
            etelecom_polled = true;
        } else {
            polled_accounts.add(scope.account);
        }
    }
    const auto accounts_param = polled_accounts.finish();

    std::vector<UnpolledRows> found;
    pool.with_connection([&](pqxx::connection_base& c) {
        found.clear();
        pqxx::read_transaction tx(c);
        // Scopes with unresolved rows that this configuration lacks...
        std::vector<PollScope> candidates;
        for (const auto& row : tx.exec_params(unpolled_rows_sql::esms_accounts, accounts_param)) {
            candidates.push_back(
                {.kind = PollScope::Kind::esms_account, .account = row[0].as<std::string>()});
        }
        const PollScope etelecom{.kind = PollScope::Kind::etelecom, .account = {}};
        if (!etelecom_polled &&
            tx.exec_params1(etelecom_rows_sql, std::int64_t{1})[0].as<std::int64_t>() > 0) {
            candidates.push_back(etelecom);
        }
        if (candidates.empty()) {
            return;
        }
        // ...that no other replica polls either.
        PgArray names;
        for (const auto& scope : candidates) {
            names.add(scope.name());
        }
        std::set<std::string, std::less<>> elsewhere;
        for (const auto& row : tx.exec_params(polled_elsewhere_sql, names.finish())) {
            elsewhere.insert(row[0].as<std::string>());
        }
        PgArray accounts;
        for (const auto& scope : candidates) {
            if (elsewhere.contains(scope.name())) {
                continue;
            }
            if (scope.kind == PollScope::Kind::etelecom) {
                found.push_back(
                    {scope.name(),
                     tx.exec_params1(etelecom_rows_sql, unpolled_count_cap)[0].as<std::int64_t>()});
            } else {
                accounts.add(scope.account);
            }
        }
        for (const auto& row :
             tx.exec_params(unpolled_rows_sql::esms_rows, accounts.finish(), unpolled_count_cap)) {
            const PollScope scope{.kind = PollScope::Kind::esms_account,
                                  .account = row[0].as<std::string>()};
            found.push_back({scope.name(), row[1].as<std::int64_t>()});
        }
    });
    std::sort(found.begin(), found.end(),
              [](const auto& a, const auto& b) { return a.scope < b.scope; });
    return found;
}

}  // namespace deliveryd::store
