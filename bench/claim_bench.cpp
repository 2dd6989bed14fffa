// The claim query at scale: PollStore::claim_due for random accounts, as
// each replica's tick runs it, timed one claim at a time.
//
// Usage: bench_claim DATABASE_URL ACCOUNTS [claims, default 400] [rows per claim, default 200]
// Accounts are named as bench/fill_history.sql names them (acct-0000 ...).
// Each claim's rows are given back at once (untimed), so the table is left
// as it was found, but for the rows' leases.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "deliveryd/core/state.hpp"
#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/poll_store.hpp"

namespace {

using namespace deliveryd;
using Clock = std::chrono::steady_clock;

double percentile(std::vector<double> sorted, double p) {
    const auto at = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
    return sorted[std::min(at, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fputs("usage: bench_claim DATABASE_URL ACCOUNTS [claims] [rows per claim]\n", stderr);
        return 2;
    }
    const std::string url = argv[1];
    const int accounts = std::stoi(argv[2]);
    const int claims = argc > 3 ? std::stoi(argv[3]) : 400;
    const auto rows = static_cast<std::size_t>(argc > 4 ? std::stoi(argv[4]) : 200);

    store::ConnectionPool pool({.url = url, .size = 1});
    store::PollStore polls(pool);
    std::mt19937 random(2026);
    std::uniform_int_distribution<int> pick(0, accounts - 1);
    std::vector<double> lookup_ms;
    std::vector<double> zalo_ms;
    std::size_t claimed = 0;
    for (int i = 0; i < claims; ++i) {
        const store::PollScope scope{.kind = store::PollScope::Kind::esms_account,
                                     .account = fmt::format("acct-{:04}", pick(random))};
        const auto lane = i % 2 == 0 ? store::ClaimLane::lookup : store::ClaimLane::zalo_delivery;
        const auto started = Clock::now();
        const auto got = polls.claim_due(scope, rows, std::chrono::minutes(1), lane);
        const std::chrono::duration<double, std::milli> took = Clock::now() - started;
        (lane == store::ClaimLane::lookup ? lookup_ms : zalo_ms).push_back(took.count());
        claimed += got.size();
        std::vector<std::string> ids;
        for (const auto& row : got) {
            ids.push_back(row.sms_id);
        }
        polls.release(ids);
    }
    for (auto* times : {&lookup_ms, &zalo_ms}) {
        std::sort(times->begin(), times->end());
    }
    fmt::print("{} claims of up to {} rows over {} accounts, {:.1f} rows per claim\n", claims, rows,
               accounts, static_cast<double>(claimed) / claims);
    fmt::print("{:<16} {:>9} {:>9} {:>9}\n", "lane", "p50 ms", "p99 ms", "max ms");
    fmt::print("{:<16} {:>9.2f} {:>9.2f} {:>9.2f}\n", "lookup", percentile(lookup_ms, 0.5),
               percentile(lookup_ms, 0.99), lookup_ms.back());
    fmt::print("{:<16} {:>9.2f} {:>9.2f} {:>9.2f}\n", "zalo_delivery", percentile(zalo_ms, 0.5),
               percentile(zalo_ms, 0.99), zalo_ms.back());
    return 0;
}
