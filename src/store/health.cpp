#include "deliveryd/store/health.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "deliveryd/store/errors.hpp"
#include "deliveryd/store/migrations.hpp"

namespace deliveryd::store {

Readiness check_readiness(ConnectionPool& pool) noexcept {
    try {
        bool current = false;
        pool.with_connection([&](pqxx::connection_base& c) { current = schema_is_current(c); });
        return current ? Readiness::ready : Readiness::schema_behind;
    } catch (const std::exception& e) {
        spdlog::debug("readiness: {}", e.what());
        return Readiness::unreachable;
    }
}

void publish_settings(ConnectionPool& pool, std::chrono::milliseconds grace) {
    pool.with_connection([&](pqxx::connection_base& c) {
        pqxx::work tx(c);
        tx.exec_params(
            "INSERT INTO deliveryd_settings (name, value) VALUES ('reconcile.grace', $1) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = now() "
            "WHERE deliveryd_settings.value IS DISTINCT FROM excluded.value",
            fmt::format("{} milliseconds", grace.count()));
        tx.commit();
    });
}

int ensure_event_partitions(ConnectionPool& pool) {
    int ahead = -1;
    pool.with_connection([&](pqxx::connection_base& c) {
        pqxx::nontransaction tx(c);
        tx.exec("SELECT delivery_event_ensure_partitions(3)");
        // Read back rather than assumed: a DBA may have dropped or detached
        // one, or the function may have failed part way on another replica.
        ahead = tx.exec1(R"sql(
            SELECT coalesce(min(m), 13) - 1
            FROM generate_series(0, 12) AS m
            WHERE to_regclass(format('delivery_event_%s', to_char(
                      date_trunc('month', now() AT TIME ZONE 'UTC') + m * interval '1 month',
                      'YYYY_MM'))) IS NULL
        )sql")[0]
                    .as<int>();
    });
    return ahead;
}

double notification_queue_usage(ConnectionPool& pool) {
    double usage = 0;
    pool.with_connection([&](pqxx::connection_base& c) {
        pqxx::nontransaction tx(c);
        usage = tx.exec1("SELECT pg_notification_queue_usage()")[0].as<double>();
    });
    return usage;
}

}  // namespace deliveryd::store
