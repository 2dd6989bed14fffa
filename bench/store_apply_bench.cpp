// store.apply throughput against a baseline measured in the same run.
//
// Usage: bench_store_apply DATABASE_URL [scale] [mode-substring]
// The database must be migrated and may be reused: every run uses fresh ids.
// A third argument runs only the modes whose name contains it (ratios to
// the baseline are then printed only if the baseline ran too).
//
// Two kinds of message, each with one status report applied to it:
//   registered  a sender inserted the row beforehand (the common case: the
//               callback updates a known row)
//   new         no row exists (the callback benchmark: the report creates it)
//
//   baseline   one INSERT ... ON CONFLICT DO UPDATE per transaction (autocommit)
//   apply/B    StatusStore::apply in batches of B, from C threads at once (each
//              with its own connection), as the ingest batcher calls it with
//              commits_in_flight = C
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
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

std::vector<std::string> make_ids(const std::string& prefix, int count) {
    std::vector<std::string> ids;
    ids.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        ids.push_back(fmt::format("{}-{:07}", prefix, i));
    }
    return ids;
}

// Inserts the rows the way a sender does, with make_ids' names.
void register_messages(const std::string& url, const std::string& prefix, int count) {
    pqxx::connection c(url);
    pqxx::work tx(c);
    tx.exec_params(
        "INSERT INTO delivery_state (sms_id, type_id, phone) "
        "SELECT $1 || '-' || lpad(g::text, 7, '0'), 2, '0901888484' "
        "FROM generate_series(0, $2) g",
        prefix, count - 1);
    tx.commit();
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

// Each of `writers` threads applies its own contiguous share of the reports.
double apply_in_batches(store::StatusStore& status, const std::vector<std::string>& ids,
                        std::size_t batch_size, std::size_t writers) {
    std::vector<core::Observation> reports;
    reports.reserve(ids.size());
    for (const auto& id : ids) {
        reports.push_back(report_for(id));
    }
    const auto share = (reports.size() + writers - 1) / writers;
    const auto start = Clock::now();
    {
        std::vector<std::jthread> threads;
        for (std::size_t w = 0; w < writers; ++w) {
            const auto begin = std::min(reports.size(), w * share);
            const auto end = std::min(reports.size(), begin + share);
            threads.emplace_back([&, begin, end] {
                for (std::size_t i = begin; i < end; i += batch_size) {
                    const auto n = std::min(batch_size, end - i);
                    (void)status.apply(std::span(reports).subspan(i, n));
                }
            });
        }
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Mode {
    std::string name;
    std::size_t batch;  // 0: baseline
    std::size_t writers;
    bool registered;  // rows exist before the reports arrive
    int messages;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs("usage: bench_store_apply DATABASE_URL [scale] [mode-substring]\n", stderr);
        return 2;
    }
    const std::string url = argv[1];
    const int scale = argc > 2 ? std::stoi(argv[2]) : 1;
    const std::string only = argc > 3 ? argv[3] : "";
    const auto tag = run_tag();

    const Mode modes[] = {
        {"baseline: INSERT ON CONFLICT, 1 row per transaction", 0, 1, true, 3'000 * scale},
        {"registered, batch 1", 1, 1, true, 3'000 * scale},
        {"registered, batch 100", 100, 1, true, 30'000 * scale},
        {"registered, batch 1000", 1000, 1, true, 100'000 * scale},
        {"registered, batch 30, 2 writers", 30, 2, true, 40'000 * scale},
        {"new, batch 10, 2 writers", 10, 2, false, 20'000 * scale},
        {"new, batch 30, 2 writers", 30, 2, false, 40'000 * scale},
        {"new, batch 100", 100, 1, false, 100'000 * scale},
        {"new, batch 1000", 1000, 1, false, 100'000 * scale},
    };
    store::ConnectionPool pool({.url = url, .size = 2});
    store::StatusStore status(pool);

    double baseline_rate = 0;
    fmt::print("{:<52} {:>9} {:>10} {:>14} {:>8}\n", "mode", "reports", "seconds", "reports/s",
               "ratio");
    for (std::size_t m = 0; m < std::size(modes); ++m) {
        const auto& mode = modes[m];
        if (!only.empty() && mode.name.find(only) == std::string::npos) {
            continue;
        }
        const auto prefix = fmt::format("b{}-{}", tag, m);
        if (mode.registered) {
            register_messages(url, prefix, mode.messages);
        }
        const auto ids = make_ids(prefix, mode.messages);
        const double seconds = mode.batch == 0
                                   ? baseline(url, ids)
                                   : apply_in_batches(status, ids, mode.batch, mode.writers);
        const double rate = static_cast<double>(ids.size()) / seconds;
        if (mode.batch == 0) {
            baseline_rate = rate;
        }
        const auto ratio =
            baseline_rate > 0 ? fmt::format("{:.1f}x", rate / baseline_rate) : std::string("-");
        fmt::print("{:<52} {:>9} {:>10.2f} {:>14.0f} {:>8}\n", mode.name, ids.size(), seconds, rate,
                   ratio);
        std::fflush(stdout);
    }
    return 0;
}
