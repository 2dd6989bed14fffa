#include "deliveryd/store/unpolled_rows.hpp"

#include <algorithm>

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

// $1 the account, $2 the cap. One count per claim index, each with that
// index's predicate, so that each reads only the account's entries there.
const char* const unpolled_rows_sql::esms_rows = R"sql(
SELECT least($2::bigint,
    (SELECT count(*) FROM (
        SELECT 1 FROM delivery_state
        WHERE account = $1 AND NOT is_final AND provider = 'esms'
          AND (state <> 'sent' OR partner_id IS NULL)
        LIMIT $2) AS lookup)
  + (SELECT count(*) FROM (
        SELECT 1 FROM delivery_state
        WHERE account = $1 AND NOT is_final AND provider = 'esms'
          AND state = 'sent' AND partner_id IS NOT NULL
        LIMIT $2) AS zalo))
)sql";

namespace {

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
        for (const auto& row : tx.exec_params(unpolled_rows_sql::esms_accounts, accounts_param)) {
            const PollScope scope{.kind = PollScope::Kind::esms_account,
                                  .account = row[0].as<std::string>()};
            const auto rows =
                tx.exec_params1(unpolled_rows_sql::esms_rows, scope.account, unpolled_count_cap)[0]
                    .as<std::int64_t>();
            found.push_back({scope.name(), rows});
        }
        if (!etelecom_polled) {
            const auto rows =
                tx.exec_params1(etelecom_rows_sql, unpolled_count_cap)[0].as<std::int64_t>();
            if (rows > 0) {
                found.push_back(
                    {PollScope{.kind = PollScope::Kind::etelecom, .account = {}}.name(), rows});
            }
        }
    });
    std::sort(found.begin(), found.end(),
              [](const auto& a, const auto& b) { return a.scope < b.scope; });
    return found;
}

}  // namespace deliveryd::store
