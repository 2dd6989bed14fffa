#include "deliveryd/store/admin_overview.hpp"

#include <pqxx/pqxx>

#include "store/status_sql.hpp"

namespace deliveryd::store {
namespace {

constexpr const char* day_sql = "SELECT delivery_day(now())::text";

// Through delivery_state_day (delivery_day(submitted_at), account).
constexpr const char* today_sql = R"sql(
SELECT state, count(*), count(*) FILTER (WHERE is_final)
FROM delivery_state WHERE delivery_day(submitted_at) = delivery_day(now())
GROUP BY state ORDER BY count(*) DESC, state
)sql";

// Through the partial index delivery_state_errors: today's rows with an
// error code only.
constexpr const char* errors_sql = R"sql(
SELECT sms_id, state, account, provider, error_code, error_message,
       to_char(updated_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI:SS')
FROM delivery_state
WHERE error_code IS NOT NULL AND delivery_day(submitted_at) = delivery_day(now())
ORDER BY updated_at DESC, sms_id
LIMIT $1
)sql";

}  // namespace

AdminOverview read_admin_overview(ConnectionPool& pool, std::size_t max_errors) {
    AdminOverview overview;
    pool.with_connection([&](pqxx::connection_base& c) {
        overview = AdminOverview{};
        pqxx::read_transaction tx(c);
        overview.day = tx.exec1(day_sql)[0].as<std::string>();
        for (const auto& row : tx.exec(today_sql)) {
            overview.today.push_back(
                {row[0].as<std::string>(), row[1].as<std::int64_t>(), row[2].as<std::int64_t>()});
        }
        for (const auto* label : status_sql::age_labels) {
            overview.unresolved_by_age.push_back({label, 0, 0});
        }
        for (const auto& row : tx.exec(status_sql::unresolved)) {
            auto& bucket = overview.unresolved_by_age.at(row[1].as<std::size_t>());
            bucket.unresolved += row[2].as<std::int64_t>();
            bucket.due += row[3].as<std::int64_t>();
        }
        const auto oldest = tx.exec1(status_sql::oldest_unresolved);
        if (!oldest[0].is_null()) {
            overview.oldest_unresolved_age = oldest[0].as<std::string>();
        }
        for (const auto& row : tx.exec(status_sql::activity)) {
            overview.activity.push_back(status_sql::activity_row(row));
        }
        for (const auto& row : tx.exec_params(errors_sql, static_cast<std::int64_t>(max_errors))) {
            ErrorRow e;
            e.sms_id = row[0].as<std::string>();
            e.state = row[1].as<std::string>();
            e.account = row[2].as<std::string>();
            e.provider = row[3].as<std::string>();
            e.error_code = row[4].as<std::int64_t>();
            if (!row[5].is_null()) {
                e.error_message = row[5].as<std::string>();
            }
            e.updated_at = row[6].as<std::string>();
            overview.errors.push_back(std::move(e));
        }
    });
    return overview;
}

}  // namespace deliveryd::store
