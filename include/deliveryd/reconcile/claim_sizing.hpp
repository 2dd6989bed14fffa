// How many due rows to claim next tick for one claim scope (an account, or an
// account and channel if the scheduler claims those separately).
//
// The tension: a claimed row is leased, so claiming far ahead of what the
// limiters can send means leases that run out while rows wait in memory (and
// then a row may be claimed again); claiming too little leaves a limiter idle
// for a tick. The answer here: keep about `ticks_ahead` ticks of calls queued
// per (account, endpoint), and translate that into rows with the mix of
// endpoints the recent plans produced:
//
//   target_k   = ceil(rate_k * tick * ticks_ahead)                [calls]
//   deficit_k  = max(0, target_k - queued_k) * ids_per_call(k)    [rows]
//   share_k    = recent_rows_k / (sum of recent_rows + recent_other_rows)
//   rows       = min over keys with share_k > 0 of deficit_k / share_k
//
// so the key that would fill first (the bottleneck) decides, and no key is fed
// beyond its target if the next rows look like the last ones. With no mix
// known (start-up, or only unplannable rows lately), rows = the smallest
// deficit: a cautious first claim whose plan then tells the mix. Finally at
// most max_rows. ids_per_call is the key's source's (StatusSource::
// ids_per_call): counted as full calls, since partial ones only make the
// queue drain sooner.
//
// Two ticks: one tick's calls drain while the next claim and plan run, the
// second covers a slow claim, so the limiters do not idle; a lease a few times
// longer than two ticks is then never at risk. With one claim per account,
// rows come in due order whatever their endpoint, so a slow endpoint (SMS at
// 10/s) with a large share throttles the others: claim per channel to avoid it.
//
// Pure; thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>

#include "deliveryd/reconcile/planned_call.hpp"

namespace deliveryd::reconcile {

struct KeyLoad {
    LimiterKey key;
    double calls_per_second = 0;   // RateLimiter::sustained_rate()
    std::size_t queued_calls = 0;  // planned, not yet departed
    std::size_t recent_rows = 0;   // rows recent plans gave this key (e.g. a moving sum)
};

struct ClaimSizing {
    std::chrono::milliseconds tick{std::chrono::seconds(1)};  // reconcile.tick
    double ticks_ahead = 2.0;       // calls to keep queued per key, in ticks
    std::size_t max_rows = 10'000;  // the claim statement's batch limit
};

struct ClaimAdvice {
    std::size_t rows = 0;
    // The key that decided `rows` (none when there are no keys).
    std::optional<LimiterKey> bottleneck;
};

// `recent_other_rows`: rows recent plans could not give any key (unplannable);
// they cost no calls but take their share of a claim.
[[nodiscard]] ClaimAdvice claim_size(std::span<const KeyLoad> keys, std::size_t recent_other_rows,
                                     const ClaimSizing& sizing = {});

}  // namespace deliveryd::reconcile
