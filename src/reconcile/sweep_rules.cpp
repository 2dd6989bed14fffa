#include "deliveryd/reconcile/sweep_rules.hpp"

#include <algorithm>
#include <cmath>

namespace deliveryd::reconcile {

std::vector<SweepChoice> choose_sweeps(std::span<const store::SweepBacklog> backlog,
                                       std::size_t sweep_above) {
    std::vector<SweepChoice> chosen;
    for (const auto& group : backlog) {
        if (group.due_rows > sweep_above) {
            chosen.push_back(SweepChoice{group.group, group.due_rows});
        }
    }
    std::stable_sort(chosen.begin(), chosen.end(), [](const SweepChoice& a, const SweepChoice& b) {
        return a.due_rows > b.due_rows;
    });
    return chosen;
}

std::size_t break_even_pages(std::size_t rows, double listing_rate,
                             std::optional<double> per_id_rate) {
    if (!per_id_rate || !(*per_id_rate > 0) || !(listing_rate > 0)) {
        return sweep_max_pages;
    }
    const double pages = static_cast<double>(rows) * listing_rate / *per_id_rate;
    return std::clamp<std::size_t>(static_cast<std::size_t>(std::floor(pages)), 1, sweep_max_pages);
}

std::chrono::milliseconds sweep_lease(std::size_t max_pages, double listing_rate,
                                      std::chrono::milliseconds lease) {
    const double seconds = listing_rate > 0 ? static_cast<double>(max_pages) / listing_rate : 0;
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000))) + lease;
}

}  // namespace deliveryd::reconcile
