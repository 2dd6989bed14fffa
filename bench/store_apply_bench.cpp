// store.apply throughput against a baseline measured in the same run.
//
// Usage: bench_store_apply DATABASE_URL [scale]
// The database must be migrated and may be reused: every run uses fresh ids.
//
// Each mode applies one status report to each of N messages that a sender
// registered beforehand (the common case: the callback updates a known row):
//   baseline   one INSERT ... ON CONFLICT DO UPDATE per transaction (autocommit)
//   apply/B    StatusStore::apply in batches of B (lock, merge in C++, one
//              UPDATE, one event INSERT, one COMMIT per batch)
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/status_store.hpp"

namespace {

using namespace deliveryd;
using Clock = std::chrono::steady_clock;

std::string run_tag() {
    return fmt::format("{:x}", Clock::now().time_since_epoch().count());
}

std::vector<std::string> register_messages(const std::string& url, const std::string& prefix,
                                           int count) {
    std::vector<std::string> ids;
    ids.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        ids.push_back(fmt::format("{}-{:07}", prefix, i));
    }
    pqxx::connection c(url);
    pqxx::work tx(c);
    tx.exec_params(
        "INSERT INTO delivery_state (sms_id, type_id, phone) "
        "SELECT $1 || '-' || lpad(g::text, 7, '0'), 2, '0901888484' "
        "FROM generate_series(0, $2) g",
        prefix, count - 1);
    tx.commit();
    return ids;
}

core::Observation report_for(const std::string& id) {
    core::Observation o;
    o.sms_id = id;
    o.source = core::Source::callback;
    o.observed_at =
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    o.state = core::StateLabel::sent;
    o.send_status = 5;
    o.send_success = 1;
    o.send_failed = 0;
    o.total_receiver = 1;
    o.total_sent = 1;
    o.total_price = core::Price{8'500'000};
    o.type_id = 2;
    o.telco_id = 1;
    o.phone = "0901888484";
    o.raw = "SMSID=" + id +
            "&SendFailed=0&SendStatus=5&SendSuccess=1&TotalPrice=850.0000&TotalReceiver=1"
            "&TotalSent=1&RequestId=&TypeId=2&telcoid=1&phonenumber=0901888484";
    return o;
}

double baseline(const std::string& url, const std::vector<std::string>& ids) {
    pqxx::connection c(url);
    c.prepare("upsert",
              "INSERT INTO delivery_state (sms_id, state, send_status, send_success, send_failed, "
              "total_receiver, total_sent, total_price, telco_id, type_id, phone, updated_at) "
              "VALUES ($1, 'sent', 5, 1, 0, 1, 1, 850.0000, 1, 2, '0901888484', now()) "
              "ON CONFLICT (sms_id) DO UPDATE SET state = excluded.state, "
              "send_status = excluded.send_status, send_success = excluded.send_success, "
              "send_failed = excluded.send_failed, total_receiver = excluded.total_receiver, "
              "total_sent = excluded.total_sent, total_price = excluded.total_price, "
              "telco_id = excluded.telco_id, updated_at = excluded.updated_at");
    const auto start = Clock::now();
    for (const auto& id : ids) {
        pqxx::nontransaction tx(c);  // autocommit: one transaction per row
        tx.exec_prepared("upsert", id);
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double apply_in_batches(store::StatusStore& status, const std::vector<std::string>& ids,
                        std::size_t batch_size) {
    std::vector<core::Observation> reports;
    reports.reserve(ids.size());
    for (const auto& id : ids) {
        reports.push_back(report_for(id));
    }
    const auto start = Clock::now();
    for (std::size_t i = 0; i < reports.size(); i += batch_size) {
        const auto n = std::min(batch_size, reports.size() - i);
        (void)status.apply(std::span(reports).subspan(i, n));
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs("usage: bench_store_apply DATABASE_URL [scale]\n", stderr);
        return 2;
    }
    const std::string url = argv[1];
    const int scale = argc > 2 ? std::stoi(argv[2]) : 1;
    const auto tag = run_tag();

    store::ConnectionPool pool({.url = url, .size = 1});
    store::StatusStore status(pool);

    struct Mode {
        std::string name;
        std::size_t batch;  // 0: baseline
        int messages;
    };
    const Mode modes[] = {
        {"baseline: INSERT ON CONFLICT, 1 row per transaction", 0, 3'000 * scale},
        {"store.apply, batch 1", 1, 3'000 * scale},
        {"store.apply, batch 100", 100, 30'000 * scale},
        {"store.apply, batch 1000", 1000, 100'000 * scale},
    };
    double baseline_rate = 0;
    fmt::print("{:<52} {:>9} {:>10} {:>14} {:>8}\n", "mode", "reports", "seconds", "reports/s",
               "ratio");
    for (const auto& mode : modes) {
        const auto ids =
            register_messages(url, fmt::format("b{}-{}", tag, mode.batch), mode.messages);
        const double seconds =
            mode.batch == 0 ? baseline(url, ids) : apply_in_batches(status, ids, mode.batch);
        const double rate = static_cast<double>(ids.size()) / seconds;
        if (mode.batch == 0) {
            baseline_rate = rate;
        }
        fmt::print("{:<52} {:>9} {:>10.2f} {:>14.0f} {:>7.1f}x\n", mode.name, ids.size(), seconds,
                   rate, rate / baseline_rate);
        std::fflush(stdout);
    }
    return 0;
}
