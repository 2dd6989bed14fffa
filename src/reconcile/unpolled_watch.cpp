#include "reconcile/unpolled_watch.hpp"

#include <set>

#include <spdlog/spdlog.h>

#include "deliveryd/net/offload.hpp"
#include "deliveryd/store/unpolled_rows.hpp"

namespace deliveryd::reconcile {
namespace {

constexpr auto look_interval = std::chrono::minutes(1);
constexpr auto warn_interval = std::chrono::hours(1);

}  // namespace

boost::asio::awaitable<void> UnpolledWatch::look(const std::vector<store::PollScope>& configured) {
    if (looked_at_ && Clock::now() - *looked_at_ < look_interval) {
        co_return;
    }
    looked_at_ = Clock::now();
    try {
        co_await count(configured);
    } catch (const std::exception& e) {
        if (const auto held_back = error_log_.admit(Clock::now())) {
            spdlog::warn(
                "polling: could not look for unconfigured scopes: {} ({} similar warnings held "
                "back)",
                e.what(), *held_back);
        }
    }
}

boost::asio::awaitable<void> UnpolledWatch::count(const std::vector<store::PollScope>& configured) {
    auto find = [this, &configured] { return store::find_unpolled_rows(pool_, configured); };
    const auto unpolled = co_await net::offload(db_threads_, std::move(find));
    std::set<std::string> seen;
    for (const auto& found : unpolled) {
        seen.insert(found.scope);
        metrics_.unpolled(found.scope, found.rows);
        const auto it = warned_.try_emplace(found.scope, warn_interval).first;
        if (it->second.admit(Clock::now())) {
            spdlog::warn(
                "polling: {}{} unresolved message{} of {}, which no replica's configuration "
                "polls: add its credentials, or they are never polled and never expire",
                found.rows >= store::unpolled_count_cap ? "at least " : "", found.rows,
                found.rows == 1 ? "" : "s", found.scope);
        }
    }
    // A scope whose rows are gone (resolved by callback, polled by a replica
    // configured for it) reads 0 rather than its last count.
    for (auto it = warned_.begin(); it != warned_.end();) {
        if (seen.contains(it->first)) {
            ++it;
        } else {
            metrics_.unpolled(it->first, 0);
            it = warned_.erase(it);
        }
    }
}

}  // namespace deliveryd::reconcile
