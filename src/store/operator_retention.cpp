// deliveryd retention: drop whole months of delivery_event and of delivery_state_archive.
#include <thread>

#include <pqxx/pqxx>

#include "deliveryd/store/operator_queries.hpp"

namespace deliveryd::store {
namespace {

// The monthly partitions of `parent` (named <parent>_YYYY_MM, each holding
// one UTC month) whose month ended before the cutoff.
std::string old_partitions_sql(const std::string& parent) {
    return R"sql(
SELECT p.name, to_char(p.month_start, 'YYYY-MM')
FROM (
    SELECT c.relname AS name,
           to_date(substring(c.relname FROM '^)sql" +
           parent + R"sql(_(\d{4}_\d{2})$'), 'YYYY_MM') AS month_start
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = ')sql" +
           parent + R"sql('::regclass
      AND c.relname ~ '^)sql" +
           parent + R"sql(_\d{4}_\d{2}$'
) AS p
WHERE (p.month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC'
      <= now() - $1::bigint * interval '1 millisecond'
ORDER BY p.month_start
)sql";
}

constexpr const char* count_default_sql =
    "SELECT count(*) FROM delivery_event_default "
    "WHERE received_at < now() - $1::bigint * interval '1 millisecond'";
constexpr const char* delete_default_sql =
    "DELETE FROM delivery_event_default "
    "WHERE received_at < now() - $1::bigint * interval '1 millisecond'";

// Dropping a partition takes an exclusive lock on delivery_event, and while
// the request waits every insert (each callback batch) queues behind it. So
// it waits at most 200 ms at a time, then steps back for a second to let the
// queue drain, up to a minute in all: a long query on delivery_event (a
// pg_dump, a rebuild) delays retention, never the callbacks.
void drop_partition(pqxx::connection_base& c, const std::string& name) {
    constexpr int attempts = 60;
    for (int attempt = 1;; ++attempt) {
        try {
            pqxx::work tx(c);
            tx.exec("SET LOCAL lock_timeout = '200ms'");
            tx.exec("DROP TABLE " + tx.quote_name(name));
            tx.commit();
            return;
        } catch (const pqxx::sql_error& e) {
            if (e.sqlstate() != "55P03" || attempt == attempts) {  // 55P03: lock_not_available
                throw;
            }
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
}

}  // namespace

RetentionResult drop_old_events(ConnectionPool& pool, std::chrono::milliseconds older_than,
                                bool dry_run) {
    const auto older_ms = static_cast<std::int64_t>(older_than.count());
    RetentionResult result;
    pool.with_connection([&](pqxx::connection_base& c) {
        result = RetentionResult{};
        {
            pqxx::read_transaction tx(c);
            for (const auto& row : tx.exec_params(old_partitions_sql("delivery_event"), older_ms)) {
                result.dropped.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
            }
        }
        if (dry_run) {
            pqxx::read_transaction tx(c);
            result.default_rows_deleted =
                tx.exec_params1(count_default_sql, older_ms)[0].as<std::int64_t>();
            return;
        }
        for (const auto& partition : result.dropped) {
            drop_partition(c, partition.name);
        }
        pqxx::work tx(c);
        result.default_rows_deleted = tx.exec_params(delete_default_sql, older_ms).affected_rows();
        tx.commit();
    });
    return result;
}

std::vector<MonthPartition> drop_old_archive(ConnectionPool& pool,
                                             std::chrono::milliseconds older_than, bool dry_run) {
    std::vector<MonthPartition> dropped;
    pool.with_connection([&](pqxx::connection_base& c) {
        dropped.clear();
        {
            pqxx::read_transaction tx(c);
            for (const auto& row : tx.exec_params(old_partitions_sql("delivery_state_archive"),
                                                  static_cast<std::int64_t>(older_than.count()))) {
                dropped.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
            }
        }
        if (!dry_run) {
            for (const auto& partition : dropped) {
                drop_partition(c, partition.name);
            }
        }
    });
    return dropped;
}

}  // namespace deliveryd::store
