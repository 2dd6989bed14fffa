// The scheduler's Prometheus metrics. Private to reconcile/.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "deliveryd/reconcile/planned_call.hpp"

namespace deliveryd::reconcile {

class PollMetrics {
  public:
    explicit PollMetrics(prometheus::Registry& registry);

    // deliveryd_poll_calls_total{account, endpoint, outcome}
    void call(const LimiterKey& key, std::string_view outcome, std::chrono::duration<double> took);
    // deliveryd_poll_send_delay_seconds{account, endpoint}: from a call's
    // slot to its request leaving
    void send_delay(const LimiterKey& key, std::chrono::duration<double> delay);
    // deliveryd_poll_limiter_utilisation / deliveryd_poll_queued_calls
    void key_state(const LimiterKey& key, double utilisation, std::size_t queued);
    // deliveryd_poll_credentials_failing{account, endpoint}: 1 while failing
    void credentials_failing(const LimiterKey& key, bool failing);
    // deliveryd_poll_rate_limit{account, endpoint}: the provider's limit
    void rate_limit(const LimiterKey& key, double calls_per_second);

    // Per scope: held (1/0), claimed rows, due backlog and its age.
    void scope_held(const std::string& scope, bool held);
    // Live replicas this one counted (0: the database could not be asked).
    void replicas(std::size_t live);
    // A held scope given up so that the replicas' shares even out.
    void scope_handed_over(const std::string& scope);
    void claimed(const std::string& scope, std::size_t rows);
    // deliveryd_poll_claimed_early_rows_total{scope}: rows claimed ahead of
    // their schedule with spare calls (early_polls.hpp)
    void claimed_early(const std::string& scope, std::size_t rows);
    void backlog(const std::string& scope, std::size_t due_rows, double oldest_age_seconds);
    // deliveryd_poll_unpolled_rows{scope}: rows of a scope not configured anywhere here
    void unpolled(const std::string& scope, std::int64_t rows);

    void windows_closed(std::size_t rows);
    void unplannable(std::string_view reason, std::size_t rows);
    void observations(const LimiterKey& key, std::size_t count);
    // deliveryd_poll_listed_unasked_total{account, endpoint, row}: messages a
    // listing reported without being asked about them; row="unresolved"
    // (merged into their row), row="none" (final already, or not in
    // delivery_state: not written).
    void listed_unasked(const LimiterKey& key, std::size_t merged, std::size_t ignored);
    void store_failure();

  private:
    prometheus::Family<prometheus::Counter>& calls_;
    prometheus::Family<prometheus::Histogram>& call_seconds_;
    prometheus::Family<prometheus::Histogram>& send_delay_;
    prometheus::Family<prometheus::Gauge>& utilisation_;
    prometheus::Family<prometheus::Gauge>& queued_;
    prometheus::Family<prometheus::Gauge>& credentials_;
    prometheus::Family<prometheus::Gauge>& rate_limit_;
    prometheus::Family<prometheus::Gauge>& held_;
    prometheus::Family<prometheus::Gauge>& replicas_;
    prometheus::Family<prometheus::Counter>& handed_over_;
    prometheus::Family<prometheus::Counter>& claimed_;
    prometheus::Family<prometheus::Counter>& claimed_early_;
    prometheus::Family<prometheus::Gauge>& due_rows_;
    prometheus::Family<prometheus::Gauge>& backlog_age_;
    prometheus::Family<prometheus::Gauge>& unpolled_;
    prometheus::Family<prometheus::Counter>& closed_;
    prometheus::Family<prometheus::Counter>& unplannable_;
    prometheus::Family<prometheus::Counter>& observations_;
    prometheus::Family<prometheus::Counter>& listed_unasked_;
    prometheus::Family<prometheus::Counter>& store_failures_;
};

}  // namespace deliveryd::reconcile
