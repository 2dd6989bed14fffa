// The scheduler's sweeps of SMS backlogs (sweep_rules.hpp): one account's due
// SMS of one TypeId, answered by GetSmsSentData_V2 listings of the window
// their creation times span. The pages go through the listing's own key,
// limiter and call path like any call (scheduler_calls.cpp follows the
// pages and sends what no page listed back to GetSendStatus at once).
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
#include "reconcile/sources/esms_sms_sent_data.hpp"

namespace deliveryd::reconcile {
namespace {

// Due rows counted at most, per sweep_above: enough to see which types pass
// it, while a backlog of millions costs a bounded read each tick.
constexpr std::size_t sweep_count_cap_factor = 20;

}  // namespace

asio::awaitable<void> Scheduler::Impl::sweep(const store::PollScope& scope) {
    if (scope.kind != store::PollScope::Kind::esms_account) {
        co_return;
    }
    const LimiterKey listing{scope.account, &sources::esms_sms_sent_data()};
    const auto found = keys_.find(listing);
    if (found == keys_.end()) {
        co_return;  // listings are turned off for the account
    }
    const auto now = SteadyClock::now();
    auto& swept = swept_[scope.account];
    std::erase_if(swept, [now](const SweptWindow& w) { return w.until <= now; });
    std::vector<store::SweptWindow> recent;
    for (const auto& w : swept) {
        recent.push_back(w.window);
    }
    const auto cap =
        static_cast<std::size_t>(config_.schedule.sweep_above) * sweep_count_cap_factor;
    auto count = [this, &scope, &recent, cap] {
        return polls_.sweep_backlog(scope.account, recent, cap);
    };
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
    const LimiterKey listing{scope.account, &sources::esms_sms_sent_data()};
    const double listing_rate = keys_.at(listing)->limiter.sustained_rate();
    std::optional<double> per_id_rate;
    if (const auto per_id = keys_.find(LimiterKey{scope.account, &sources::esms_get_send_status()});
        per_id != keys_.end()) {
        per_id_rate = per_id->second->limiter.sustained_rate();
    }
    const auto rows_wanted = std::min(choice.due_rows, sweep_batch_rows);
    const auto max_pages = break_even_pages(rows_wanted, listing_rate, per_id_rate);
    const auto lease = sweep_lease(max_pages, listing_rate, config_.schedule.lease);
    std::vector<store::SweptWindow> of_type;
    for (const auto& w : recent) {
        if (w.type_id == choice.type_id) {
            of_type.push_back(w);
        }
    }
    auto claim = [this, &scope, &choice, &of_type, lease] {
        return polls_.claim_for_sweep(scope.account, choice.type_id, of_type, sweep_batch_rows,
                                      lease);
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
    const sources::SweepWindow window{choice.type_id, claimed.first_created - sweep_pad,
                                      claimed.last_created + sweep_pad, max_pages};
    // Left out of the next sweeps: the span of the rows claimed, not the
    // padded window, so that the next batch of a larger backlog (created
    // later) is swept in turn.
    swept_[scope.account].push_back({{window.sms_type, claimed.first_created, claimed.last_created},
                                     SteadyClock::now() + sweep_cooldown});
    spdlog::info(
        "sweeping {} due messages of TypeId {} of eSMS account {} created from {} to {}: "
        "GetSmsSentData_V2 lists them ({} pages at most), GetSendStatus asks what it lacks",
        ids.size(), window.sms_type, scope.account, core::format_rfc3339(window.from),
        core::format_rfc3339(window.to), max_pages);
    enqueue(sources::sweep_call(scope.account, window, std::move(ids)));
}

}  // namespace deliveryd::reconcile
