// The rows this replica has claimed and holds in memory until their answer is
// stored (or they are given back): what the backoff needs of each, and the
// guard against asking about a row twice when a lease ran out while its call
// still waited. Rows enter through admit() and leave through take() alone.
// Private to reconcile/; not thread-safe (the scheduler's strand owns it).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <unordered_map>

#include "deliveryd/core/state.hpp"

namespace deliveryd::reconcile {

// What the scheduler remembers of a claimed row until its answer is stored.
struct ClaimedRow {
    core::Timestamp submitted_at;
    int poll_attempts = 0;
    // Claimed ahead of its schedule (early_polls.hpp): the next poll it had,
    // which its answer puts it back on.
    std::optional<core::Timestamp> due_at{};
};

class ClaimedRows {
  public:
    // False when the row is held already (from an earlier claim).
    bool admit(const core::State& row, std::optional<core::Timestamp> due_at = std::nullopt) {
        return rows_
            .try_emplace(row.sms_id, ClaimedRow{row.submitted_at, row.poll_attempts, due_at})
            .second;
    }

    // A row claimed without its State (a sweep's). False when held already.
    bool admit(const std::string& sms_id, ClaimedRow row) {
        return rows_.try_emplace(sms_id, row).second;
    }

    // The row while it is held, for scheduling its next poll before it leaves.
    [[nodiscard]] std::optional<ClaimedRow> find(const std::string& sms_id) const {
        const auto it = rows_.find(sms_id);
        return it == rows_.end() ? std::nullopt : std::optional(it->second);
    }

    // The row, no longer held; nullopt when it was not held.
    std::optional<ClaimedRow> take(const std::string& sms_id) {
        const auto it = rows_.find(sms_id);
        if (it == rows_.end()) {
            return std::nullopt;
        }
        auto row = it->second;
        rows_.erase(it);
        return row;
    }

    void take_all(std::span<const std::string> ids) {
        for (const auto& id : ids) {
            (void)take(id);
        }
    }

    [[nodiscard]] std::size_t size() const { return rows_.size(); }

  private:
    std::unordered_map<std::string, ClaimedRow> rows_;
};

}  // namespace deliveryd::reconcile
