#include "deliveryd/reconcile/filling_calls.hpp"

#include <algorithm>

#include "deliveryd/reconcile/status_source.hpp"

namespace deliveryd::reconcile {

void FillingCalls::add(PlannedCall call, std::uint64_t tick) {
    auto& ids = waiting_[{key_of(call), std::move(call.group)}];
    for (auto& id : call.sms_ids) {
        ids.emplace_back(std::move(id), tick);
    }
}

std::vector<PlannedCall> FillingCalls::take_ready(std::span<const LimiterKey> keys,
                                                  std::uint64_t tick, bool drained) {
    std::vector<PlannedCall> ready;
    for (const auto& key : keys) {
        const auto max_ids = std::max<std::size_t>(1, key.source->ids_per_call());
        for (auto it = waiting_.lower_bound({key, {}});
             it != waiting_.end() && it->first.first == key;) {
            auto& ids = it->second;
            while (!ids.empty()) {
                const bool full = ids.size() >= max_ids;
                const bool old = ids.front().second + max_wait_ticks_ <= tick;
                if (!full && !drained && !old) {
                    break;
                }
                PlannedCall call{key.source, key.account, it->first.second, {}, {}, {}};
                const auto n = std::min(ids.size(), max_ids);
                for (std::size_t i = 0; i < n; ++i) {
                    call.sms_ids.push_back(std::move(ids.front().first));
                    ids.pop_front();
                }
                ready.push_back(std::move(call));
            }
            it = ids.empty() ? waiting_.erase(it) : std::next(it);
        }
    }
    return ready;
}

std::vector<std::string> FillingCalls::drop(std::span<const LimiterKey> keys) {
    std::vector<std::string> dropped;
    std::erase_if(waiting_, [&](auto& entry) {
        if (std::find(keys.begin(), keys.end(), entry.first.first) == keys.end()) {
            return false;
        }
        for (auto& [id, tick] : entry.second) {
            dropped.push_back(std::move(id));
        }
        return true;
    });
    return dropped;
}

std::vector<std::string> FillingCalls::drop_all() {
    std::vector<std::string> dropped;
    for (auto& [group, ids] : waiting_) {
        for (auto& [id, tick] : ids) {
            dropped.push_back(std::move(id));
        }
    }
    waiting_.clear();
    return dropped;
}

}  // namespace deliveryd::reconcile
