// The scheduler's sweeps of backlogs (sweep_rules.hpp): one eSMS account's
// due SMS of one TypeId, answered by GetSmsSentData_V2 listings, or eTelecom's
// due ZNS of one OA, answered by ListMessages listings. The pages go through
// the listing's own key, limiter and call path like any call
// (scheduler_calls.cpp follows the pages and sends what no page listed back
// to the source that asks one id at a time, at once).
#include <algorithm>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "deliveryd/core/time_text.hpp"
#include "deliveryd/net/offload.hpp"
#include "deliveryd/reconcile/status_source.hpp"
#include "deliveryd/reconcile/sweep_rules.hpp"

#include "reconcile/scheduler_impl.hpp"
#include "reconcile/sources/all_sources.hpp"
#include "reconcile/sources/sweep_calls.hpp"

namespace deliveryd::reconcile {
namespace {

// Due rows counted at most, per sweep_above: enough to see which types pass
// it, while a backlog of millions costs a bounded read each tick.
constexpr std::size_t sweep_count_cap_factor = 20;

}  // namespace

asio::awaitable<void> Scheduler::Impl::sweep(const store::PollScope& scope) {
    const LimiterKey listing{rate_account(scope), sources::sweep_kind(scope.kind).listing};
    if (!keys_.contains(listing)) {
        co_return;  // listings are turned off for the scope
    }
    const auto now = SteadyClock::now();
    auto& swept = swept_[scope.name()];
    std::erase_if(swept, [now](const SweptWindow& w) { return w.until <= now; });
    std::vector<store::SweptWindow> recent;
    for (const auto& w : swept) {
        recent.push_back(w.window);
    }
    const auto cap =
        static_cast<std::size_t>(config_.schedule.sweep_above) * sweep_count_cap_factor;
    auto count = [this, &scope, &recent, cap] { return polls_.sweep_backlog(scope, recent, cap); };
    const auto backlog = co_await net::offload(parts_.db_threads, std::move(count));
    const auto chosen =
        choose_sweeps(backlog, static_cast<std::size_t>(config_.schedule.sweep_above));
    for (const auto& choice : chosen) {
        if (stopping_) {
            co_return;
        }
        co_await start_sweep(scope, choice, recent);
    }
}

asio::awaitable<void> Scheduler::Impl::start_sweep(const store::PollScope& scope,
                                                   const SweepChoice& choice,
                                                   const std::vector<store::SweptWindow>& recent) {
    const auto& kind = sources::sweep_kind(scope.kind);
    const auto account = rate_account(scope);
    const double listing_rate =
        keys_.at(LimiterKey{account, kind.listing})->limiter.sustained_rate();
    std::optional<double> per_id_rate;
    if (const auto per_id = keys_.find(LimiterKey{account, kind.per_id}); per_id != keys_.end()) {
        per_id_rate = per_id->second->limiter.sustained_rate();
    }
    const auto rows_wanted = std::min(choice.due_rows, sweep_batch_rows);
    const auto max_pages = break_even_pages(rows_wanted, listing_rate, per_id_rate);
    const auto lease = sweep_lease(max_pages, listing_rate, config_.schedule.lease);
    std::vector<store::SweptWindow> of_group;
    for (const auto& w : recent) {
        if (w.group == choice.group) {
            of_group.push_back(w);
        }
    }
    auto claim = [this, &scope, &choice, &of_group, lease] {
        return polls_.claim_for_sweep(scope, choice.group, of_group, sweep_batch_rows, lease);
    };
    auto claimed = co_await net::offload(parts_.db_threads, std::move(claim));
    if (claimed.rows.empty()) {
        co_return;
    }
    if (stopping_) {
        std::vector<std::string> ids;
        for (auto& row : claimed.rows) {
            ids.push_back(std::move(row.sms_id));
        }
        co_await give_back(std::move(ids));
        co_return;
    }
    metrics_.claimed(scope.name(), claimed.rows.size());
    std::vector<std::string> ids;
    ids.reserve(claimed.rows.size());
    for (auto& row : claimed.rows) {
        // A row still waiting in a call of an earlier claim is asked there.
        if (claimed_.admit(row.sms_id, ClaimedRow{row.window_start, row.poll_attempts})) {
            ids.push_back(std::move(row.sms_id));
        }
    }
    if (ids.empty()) {
        co_return;
    }
    const sources::SweepSpan span{choice.group, claimed.first_created, claimed.last_created,
                                  max_pages};
    // Left out of the next sweeps: the span of the rows claimed, not the
    // padded window, so that the next batch of a larger backlog (created
    // later) is swept in turn.
    swept_[scope.name()].push_back({{span.group, claimed.first_created, claimed.last_created},
                                    SteadyClock::now() + sweep_cooldown});
    spdlog::info(
        "sweeping {} due messages of {} ({} {}) created from {} to {}: {} lists them ({} pages at "
        "most), {} asks what it lacks",
        ids.size(), scope.name(), scope.kind == store::PollScope::Kind::etelecom ? "OA" : "TypeId",
        span.group, core::format_rfc3339(span.first_created),
        core::format_rfc3339(span.last_created), kind.listing->name(), max_pages,
        kind.per_id->name());
    enqueue(kind.first_page(account, span, std::move(ids), core::timestamp_now()));
}

asio::awaitable<void> Scheduler::Impl::add_listed_rows(const LimiterKey& key,
                                                       CallOutcome& outcome) {
    std::vector<std::string> ids;
    ids.reserve(outcome.listed_unasked.size());
    for (const auto& report : outcome.listed_unasked) {
        ids.push_back(report.sms_id);
    }
    auto find = [this, &ids, provider = key.source->provider()] {
        return polls_.unresolved_among(ids, provider);
    };
    std::vector<std::string> unresolved;
    try {
        unresolved = co_await net::offload(parts_.db_threads, std::move(find));
    } catch (const std::exception& e) {
        // They are not the rows asked about: their own polls will tell.
        spdlog::debug("could not look up the rows a {} page listed unasked: {}", key.source->name(),
                      e.what());
    }
    std::sort(unresolved.begin(), unresolved.end());
    std::size_t merged = 0;
    for (auto& report : outcome.listed_unasked) {
        if (std::binary_search(unresolved.begin(), unresolved.end(), report.sms_id)) {
            outcome.observations.push_back(std::move(report));
            ++merged;
        }
    }
    metrics_.listed_unasked(key, merged, outcome.listed_unasked.size() - merged);
    outcome.listed_unasked.clear();
}

}  // namespace deliveryd::reconcile
