#include "deliveryd/reconcile/callback_chunks.hpp"

#include <algorithm>

#include "deliveryd/providers/esms/get_callback.hpp"

namespace deliveryd::reconcile {

void CallbackChunks::add(PlannedCall call, std::uint64_t tick) {
    auto& ids = waiting_[{std::move(call.account), std::move(call.oa_id)}];
    for (auto& id : call.sms_ids) {
        ids.emplace_back(std::move(id), tick);
    }
}

std::vector<PlannedCall> CallbackChunks::take_ready(const std::string& account, std::uint64_t tick,
                                                    bool drained) {
    constexpr auto max_ids = providers::esms::get_callback_max_ids;
    std::vector<PlannedCall> ready;
    for (auto it = waiting_.lower_bound({account, {}});
         it != waiting_.end() && it->first.first == account;) {
        auto& ids = it->second;
        while (!ids.empty()) {
            const bool full = ids.size() >= max_ids;
            const bool old = ids.front().second + max_wait_ticks_ <= tick;
            if (!full && !drained && !old) {
                break;
            }
            PlannedCall call{Endpoint::get_callback, account, it->first.second, {}, {}};
            const auto n = std::min(ids.size(), max_ids);
            for (std::size_t i = 0; i < n; ++i) {
                call.sms_ids.push_back(std::move(ids.front().first));
                ids.pop_front();
            }
            ready.push_back(std::move(call));
        }
        it = ids.empty() ? waiting_.erase(it) : std::next(it);
    }
    return ready;
}

std::vector<std::string> CallbackChunks::drop(const std::string& account) {
    std::vector<std::string> dropped;
    std::erase_if(waiting_, [&](auto& entry) {
        if (!account.empty() && entry.first.first != account) {
            return false;
        }
        for (auto& [id, tick] : entry.second) {
            dropped.push_back(std::move(id));
        }
        return true;
    });
    return dropped;
}

}  // namespace deliveryd::reconcile
