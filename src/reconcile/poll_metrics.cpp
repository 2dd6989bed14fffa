#include "reconcile/poll_metrics.hpp"

#include <fmt/format.h>

#include "deliveryd/reconcile/status_source.hpp"
#include "deliveryd/store/unpolled_rows.hpp"

namespace deliveryd::reconcile {
namespace {

prometheus::Labels key_labels(const LimiterKey& key) {
    return {{"account", key.account}, {"endpoint", std::string(key.source->name())}};
}

}  // namespace

PollMetrics::PollMetrics(prometheus::Registry& registry)
    : calls_(prometheus::BuildCounter()
                 .Name("deliveryd_poll_calls_total")
                 .Help("Status calls made, by account, endpoint and outcome (ok, no_data, "
                       "rejected, timeout, connect, http_5xx, malformed, tps_exceeded, "
                       "credentials, ...)")
                 .Register(registry)),
      call_seconds_(prometheus::BuildHistogram()
                        .Name("deliveryd_poll_call_seconds")
                        .Help("Status call duration, from sending to the whole answer")
                        .Register(registry)),
      send_delay_(prometheus::BuildHistogram()
                      .Name("deliveryd_poll_send_delay_seconds")
                      .Help("From a status call's rate-limiter slot to its request leaving "
                            "(connecting, TLS, a starved process); the limiter counts the "
                            "call from when it left, so long delays slow the calls after it")
                      .Register(registry)),
      utilisation_(prometheus::BuildGauge()
                       .Name("deliveryd_poll_limiter_utilisation")
                       .Help("Calls in the limiter's window over the calls it allows (1 = "
                             "calls leave as fast as the provider's limit allows)")
                       .Register(registry)),
      queued_(prometheus::BuildGauge()
                  .Name("deliveryd_poll_queued_calls")
                  .Help("Status calls planned and waiting for their rate limiter")
                  .Register(registry)),
      credentials_(prometheus::BuildGauge()
                       .Name("deliveryd_poll_credentials_failing")
                       .Help("1 while the provider refuses this account's credentials or "
                             "configuration (the key then makes one probe call a minute)")
                       .Register(registry)),
      rate_limit_(prometheus::BuildGauge()
                      .Name("deliveryd_poll_rate_limit")
                      .Help("Status calls per second the provider allows this account and "
                            "endpoint (as configured; calls leave at most at this rate less "
                            "reconcile.rate_margin)")
                      .Register(registry)),
      held_(prometheus::BuildGauge()
                .Name("deliveryd_poll_scope_held")
                .Help("1 when this replica holds the polling scope's advisory lock and polls it")
                .Register(registry)),
      replicas_(prometheus::BuildGauge()
                    .Name("deliveryd_poll_replicas")
                    .Help("Live replicas sharing the polling scopes, as this replica last "
                          "counted them (itself included; 0 while the database cannot be asked)")
                    .Register(registry)),
      handed_over_(prometheus::BuildCounter()
                       .Name("deliveryd_poll_scopes_handed_over_total")
                       .Help("Polling scopes this replica gave up so that the replicas' shares "
                             "even out (a replica joined, or held more than its share)")
                       .Register(registry)),
      claimed_(prometheus::BuildCounter()
                   .Name("deliveryd_poll_claimed_rows_total")
                   .Help("Due messages claimed (leased) for polling")
                   .Register(registry)),
      claimed_early_(prometheus::BuildCounter()
                         .Name("deliveryd_poll_claimed_early_rows_total")
                         .Help("Messages claimed ahead of their schedule with a limiter's spare "
                               "calls (accepted ZNS waiting for their handset receipt)")
                         .Register(registry)),
      due_rows_(prometheus::BuildGauge()
                    .Name("deliveryd_poll_due_rows")
                    .Help("Unresolved messages due for polling now (the backlog; counted up to "
                          "1,000,000), as seen by the replica polling the scope")
                    .Register(registry)),
      backlog_age_(prometheus::BuildGauge()
                       .Name("deliveryd_poll_backlog_age_seconds")
                       .Help("How long the oldest due message has been due (0 when none is)")
                       .Register(registry)),
      unpolled_(prometheus::BuildGauge()
                    .Name("deliveryd_poll_unpolled_rows")
                    .Help(fmt::format(
                        "Unresolved messages of a scope (eSMS account, eTelecom) that no "
                        "replica's configuration polls, so never polled nor expired; counted "
                        "up to {}",
                        store::unpolled_count_cap))
                    .Register(registry)),
      closed_(prometheus::BuildCounter()
                  .Name("deliveryd_poll_windows_closed_total")
                  .Help("Messages whose polling window ended (expired, or final as last known)")
                  .Register(registry)),
      unplannable_(prometheus::BuildCounter()
                       .Name("deliveryd_poll_unplannable_total")
                       .Help("Claimed messages no status call can answer, by reason")
                       .Register(registry)),
      observations_(prometheus::BuildCounter()
                        .Name("deliveryd_poll_observations_total")
                        .Help("Status reports received from status calls")
                        .Register(registry)),
      listed_unasked_(prometheus::BuildCounter()
                          .Name("deliveryd_poll_listed_unasked_total")
                          .Help("Messages a listing reported without being asked about them: "
                                "row=unresolved were merged into their row, row=none have no "
                                "unresolved row and were not written")
                          .Register(registry)),
      store_failures_(prometheus::BuildCounter()
                          .Name("deliveryd_poll_store_failures_total")
                          .Help("Poll answers or schedules the database could not take "
                                "(the messages are asked again when their lease ends)")
                          .Register(registry)) {}

void PollMetrics::call(const LimiterKey& key, std::string_view outcome,
                       std::chrono::duration<double> took) {
    auto labels = key_labels(key);
    call_seconds_
        .Add(labels, prometheus::Histogram::BucketBoundaries{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                             2.5, 5, 10, 30})
        .Observe(took.count());
    labels.emplace("outcome", std::string(outcome));
    calls_.Add(labels).Increment();
}

void PollMetrics::send_delay(const LimiterKey& key, std::chrono::duration<double> delay) {
    send_delay_
        .Add(key_labels(key), prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.025,
                                                                      0.05, 0.1, 0.25, 0.5, 1, 2.5})
        .Observe(delay.count());
}

void PollMetrics::key_state(const LimiterKey& key, double utilisation, std::size_t queued) {
    utilisation_.Add(key_labels(key)).Set(utilisation);
    queued_.Add(key_labels(key)).Set(static_cast<double>(queued));
}

void PollMetrics::credentials_failing(const LimiterKey& key, bool failing) {
    credentials_.Add(key_labels(key)).Set(failing ? 1 : 0);
}

void PollMetrics::rate_limit(const LimiterKey& key, double calls_per_second) {
    rate_limit_.Add(key_labels(key)).Set(calls_per_second);
}

void PollMetrics::scope_held(const std::string& scope, bool held) {
    held_.Add({{"scope", scope}}).Set(held ? 1 : 0);
}

void PollMetrics::replicas(std::size_t live) {
    replicas_.Add({}).Set(static_cast<double>(live));
}

void PollMetrics::scope_handed_over(const std::string& scope) {
    handed_over_.Add({{"scope", scope}}).Increment();
}

void PollMetrics::claimed(const std::string& scope, std::size_t rows) {
    claimed_.Add({{"scope", scope}}).Increment(static_cast<double>(rows));
}

void PollMetrics::claimed_early(const std::string& scope, std::size_t rows) {
    claimed_early_.Add({{"scope", scope}}).Increment(static_cast<double>(rows));
}

void PollMetrics::backlog(const std::string& scope, std::size_t due_rows,
                          double oldest_age_seconds) {
    due_rows_.Add({{"scope", scope}}).Set(static_cast<double>(due_rows));
    backlog_age_.Add({{"scope", scope}}).Set(oldest_age_seconds);
}

void PollMetrics::unpolled(const std::string& scope, std::int64_t rows) {
    unpolled_.Add({{"scope", scope}}).Set(static_cast<double>(rows));
}

void PollMetrics::windows_closed(std::size_t rows) {
    closed_.Add({}).Increment(static_cast<double>(rows));
}

void PollMetrics::unplannable(std::string_view reason, std::size_t rows) {
    unplannable_.Add({{"reason", std::string(reason)}}).Increment(static_cast<double>(rows));
}

void PollMetrics::observations(const LimiterKey& key, std::size_t count) {
    observations_.Add(key_labels(key)).Increment(static_cast<double>(count));
}

void PollMetrics::listed_unasked(const LimiterKey& key, std::size_t merged, std::size_t ignored) {
    auto labels = key_labels(key);
    labels["row"] = "unresolved";
    listed_unasked_.Add(labels).Increment(static_cast<double>(merged));
    labels["row"] = "none";
    listed_unasked_.Add(labels).Increment(static_cast<double>(ignored));
}

void PollMetrics::store_failure() {
    store_failures_.Add({}).Increment();
}

}  // namespace deliveryd::reconcile
