#include "deliveryd/reconcile/claim_sizing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "deliveryd/reconcile/status_source.hpp"

namespace deliveryd::reconcile {
namespace {

// Rows key `load` can take before its queue holds ticks_ahead ticks of calls.
double deficit_rows(const KeyLoad& load, const ClaimSizing& sizing) {
    const double horizon_seconds =
        std::chrono::duration<double>(sizing.tick).count() * sizing.ticks_ahead;
    const double wanted = load.calls_per_second * horizon_seconds;
    if (!(wanted > 0)) {
        return 0;  // no rate (or NaN): nothing should be queued for it
    }
    const double target = std::ceil(wanted);
    const double queued = static_cast<double>(load.queued_calls);
    const double calls = target > queued ? target - queued : 0.0;
    return calls * static_cast<double>(load.key.source->ids_per_call());
}

}  // namespace

ClaimAdvice claim_size(std::span<const KeyLoad> keys, std::size_t recent_other_rows,
                       const ClaimSizing& sizing) {
    double recent_total = static_cast<double>(recent_other_rows);
    bool mix_known = false;
    for (const auto& load : keys) {
        recent_total += static_cast<double>(load.recent_rows);
        mix_known = mix_known || load.recent_rows > 0;
    }

    ClaimAdvice advice;
    double rows = std::numeric_limits<double>::infinity();
    for (const auto& load : keys) {
        double candidate = 0;
        if (mix_known) {
            if (load.recent_rows == 0) {
                continue;  // recent rows never went there: it does not bound the claim
            }
            // Claiming `candidate` rows sends deficit rows to this key if the
            // mix holds.
            const double share = static_cast<double>(load.recent_rows) / recent_total;
            candidate = deficit_rows(load, sizing) / share;
        } else {
            candidate = deficit_rows(load, sizing);
        }
        if (candidate < rows) {
            rows = candidate;
            advice.bottleneck = load.key;
        }
    }
    if (std::isinf(rows)) {
        return advice;  // no keys
    }
    const double capped = std::min(std::floor(rows), static_cast<double>(sizing.max_rows));
    advice.rows = static_cast<std::size_t>(capped);
    return advice;
}

}  // namespace deliveryd::reconcile
