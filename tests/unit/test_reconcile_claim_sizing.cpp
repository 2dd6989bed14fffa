// Claim sizing: enough rows to keep every limiter busy for about two ticks,
// bounded by the endpoint that would fill first.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/reconcile/claim_sizing.hpp"
#include "deliveryd/reconcile/status_source.hpp"

namespace deliveryd::reconcile {
namespace {

using namespace std::chrono_literals;

const LimiterKey get_callback{"default", source_named("get_callback")};
const LimiterKey zalo_status{"default", source_named("zalo_status")};
const LimiterKey send_status{"default", source_named("send_status")};

// The default eSMS rates after the 5% margin: 19, 28.5 and 9.5 calls/s.
std::vector<KeyLoad> loads(std::size_t recent_gc = 0, std::size_t recent_zs = 0,
                           std::size_t recent_ss = 0) {
    return {KeyLoad{get_callback, 19.0, 0, recent_gc}, KeyLoad{zalo_status, 28.5, 0, recent_zs},
            KeyLoad{send_status, 9.5, 0, recent_ss}};
}

TEST(ReconcileClaimSizing, IdsPerCall) {
    EXPECT_EQ(source_named("get_callback")->ids_per_call(), 200u);
    EXPECT_EQ(source_named("zalo_status")->ids_per_call(), 1u);
    EXPECT_EQ(source_named("send_status")->ids_per_call(), 1u);
    EXPECT_EQ(source_named("etelecom_get_message")->ids_per_call(), 1u);
}

TEST(ReconcileClaimSizing, NoKeysNoClaim) {
    const auto advice = claim_size({}, 0);
    EXPECT_EQ(advice.rows, 0u);
    EXPECT_FALSE(advice.bottleneck);
}

TEST(ReconcileClaimSizing, UnknownMixStartsWithTheSmallestDeficit) {
    // Two ticks of send_status at 9.5/s: ceil(19) = 19 rows.
    const auto advice = claim_size(loads(), 0);
    EXPECT_EQ(advice.rows, 19u);
    EXPECT_EQ(advice.bottleneck, send_status);
}

TEST(ReconcileClaimSizing, AllGetCallbackKeepsTwoTicksOfFullCalls) {
    // 38 calls of 200 ids.
    auto keys = loads(8000);
    EXPECT_EQ(claim_size(keys, 0).rows, 7600u);
    EXPECT_EQ(claim_size(keys, 0).bottleneck, get_callback);
    keys[0].queued_calls = 30;
    EXPECT_EQ(claim_size(keys, 0).rows, 1600u);
    keys[0].queued_calls = 38;
    EXPECT_EQ(claim_size(keys, 0).rows, 0u);
    keys[0].queued_calls = 500;  // overfull: still nothing, never negative
    EXPECT_EQ(claim_size(keys, 0).rows, 0u);
}

TEST(ReconcileClaimSizing, TheEndpointThatFillsFirstDecides) {
    // Half the rows go to send_status: 19 rows of deficit there allow 38.
    const auto advice = claim_size(loads(100, 0, 100), 0);
    EXPECT_EQ(advice.rows, 38u);
    EXPECT_EQ(advice.bottleneck, send_status);
    // A rare SMS row does not hold ZNS back.
    const auto rare = claim_size(loads(9990, 0, 10), 0);
    EXPECT_EQ(rare.rows, 7607u);  // 7600 / 0.999
    EXPECT_EQ(rare.bottleneck, get_callback);
}

TEST(ReconcileClaimSizing, UnplannableRowsTakeTheirShareAndMaxRowsCaps) {
    // Half the recent rows were unplannable: claim twice as many, capped.
    EXPECT_EQ(claim_size(loads(100), 100).rows, 10'000u);
    ClaimSizing big;
    big.max_rows = 100'000;
    EXPECT_EQ(claim_size(loads(100), 100, big).rows, 15'200u);
    // Only unplannable rows lately: no mix known, the cautious start.
    EXPECT_EQ(claim_size(loads(), 500).rows, 19u);
}

TEST(ReconcileClaimSizing, ShorterTicksClaimLess) {
    ClaimSizing quarter;
    quarter.tick = 250ms;
    // ceil(19 * 0.5) = 10 calls.
    EXPECT_EQ(claim_size(loads(1), 0, quarter).rows, 2000u);
    ClaimSizing none;
    none.ticks_ahead = 0;
    EXPECT_EQ(claim_size(loads(1), 0, none).rows, 0u);
}

// A backlog drained tick by tick: each claimed row goes to a key by a fixed
// share, each limiter sends its rate's worth of queued calls per tick, and
// recent_rows is a moving sum that halves every tick.
struct SimKey {
    KeyLoad load;
    double share = 0;   // of claimed rows that go to this key
    double credit = 0;  // calls the limiter may send; accumulates per tick
    bool busy = false;  // sent all it was allowed to this tick
    std::size_t peak_queue = 0;
};

void tick_once(std::vector<SimKey>& keys, std::size_t& backlog) {
    std::vector<KeyLoad> loads;
    for (const auto& k : keys) {
        loads.push_back(k.load);
    }
    const auto claimed = std::min(backlog, claim_size(loads, 0).rows);
    backlog -= claimed;
    for (auto& k : keys) {
        const auto rows =
            static_cast<std::size_t>(std::floor(static_cast<double>(claimed) * k.share));
        const auto per_call = k.load.key.source->ids_per_call();
        k.load.queued_calls += (rows + per_call - 1) / per_call;
        k.load.recent_rows = k.load.recent_rows / 2 + rows;
        k.peak_queue = k.load.queued_calls;
        k.credit += k.load.calls_per_second;
        const auto allowed = static_cast<std::size_t>(std::floor(k.credit));
        const auto sent = std::min(k.load.queued_calls, allowed);
        k.busy = sent == allowed;
        k.credit -= static_cast<double>(sent);
        k.load.queued_calls -= sent;
    }
}

TEST(ReconcileClaimSizing, GetCallbackBacklogKeepsTheLimiterBusyTwoTicksAhead) {
    std::vector<SimKey> keys = {{KeyLoad{get_callback, 19.0, 0, 0}, 1.0}};
    std::size_t backlog = 100'000;
    for (int tick = 0; tick < 20; ++tick) {
        tick_once(keys, backlog);
        EXPECT_TRUE(keys[0].busy) << "tick " << tick;
        // ceil(19 * 2) calls after the claim: two ticks, never more.
        EXPECT_LE(keys[0].peak_queue, 38u) << "tick " << tick;
    }
}

TEST(ReconcileClaimSizing, MixedBacklogIsPacedByItsSlowestEndpoint) {
    // 10% SMS at 9.5/s: one claim queue per account can move only ~95 rows/s,
    // and the sizing must keep the SMS limiter busy without leasing ahead.
    std::vector<SimKey> keys = {{KeyLoad{get_callback, 19.0, 0, 0}, 0.9},
                                {KeyLoad{send_status, 9.5, 0, 0}, 0.1}};
    std::size_t backlog = 200'000;
    for (int tick = 0; tick < 60; ++tick) {
        tick_once(keys, backlog);
        // The first claim is the cautious one and its mix is a rough guess:
        // a few ticks' worth at most. From then on about two ticks.
        const auto bound = tick < 2 ? 4 * 10u : 2 * 10u;
        EXPECT_LE(keys[1].peak_queue, bound) << "tick " << tick;
        EXPECT_LE(keys[0].peak_queue, 38u) << "tick " << tick;
        if (tick >= 1) {
            EXPECT_TRUE(keys[1].busy) << "tick " << tick;
        }
    }
}

}  // namespace
}  // namespace deliveryd::reconcile
