#include "deliveryd/reconcile/planner.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <variant>

#include "deliveryd/reconcile/status_source.hpp"

namespace deliveryd::reconcile {
namespace {

// The rows of one call of several ids: (source, account, group), in row order.
struct CallGroup {
    const StatusSource* source = nullptr;
    std::string account;
    std::string group;
    std::vector<std::string> sms_ids;
};

class Planner {
  public:
    explicit Planner(const PlanTargets& targets) : targets_(targets) {}

    void add(const core::State& row) {
        if (!seen_.insert(row.sms_id).second) {
            refuse(row, UnplannableReason::duplicate, {});
        } else if (row.is_final) {
            refuse(row, UnplannableReason::already_final, std::string(core::to_string(row.state)));
        } else {
            offer(row);
        }
    }

    Plan finish() && {
        // Calls of several ids after the calls of one: each key's calls still
        // follow row order, and full calls only form once the batch is seen.
        for (auto& group : groups_) {
            const auto& ids = group.sms_ids;
            const auto per_call = std::max<std::size_t>(1, group.source->ids_per_call());
            for (std::size_t at = 0; at < ids.size(); at += per_call) {
                const auto end = std::min(ids.size(), at + per_call);
                PlannedCall call{group.source, group.account, group.group, {}, {}, {}};
                call.sms_ids.assign(ids.begin() + static_cast<std::ptrdiff_t>(at),
                                    ids.begin() + static_cast<std::ptrdiff_t>(end));
                plan_.calls.push_back(std::move(call));
            }
        }
        return std::move(plan_);
    }

  private:
    void offer(const core::State& row) {
        const auto account = rate_account(row);
        bool configured = false;
        const StatusSource* second = nullptr;
        std::optional<Slot> second_slot;
        for (const auto& target : targets_.sources) {
            if (target.source->provider() != row.provider ||
                std::find(target.accounts.begin(), target.accounts.end(), account) ==
                    target.accounts.end()) {
                continue;
            }
            configured = true;
            auto placement = target.source->place(row, targets_.schedule);
            if (auto* slot = std::get_if<Slot>(&placement)) {
                if (!slot->second_choice) {
                    take(*target.source, account, row, std::move(*slot));
                    return;
                }
                if (second == nullptr) {
                    second = target.source;
                    second_slot = std::move(*slot);
                }
            } else if (auto* refusal = std::get_if<Refusal>(&placement)) {
                if (second == nullptr) {
                    refuse(row, refusal->reason, std::move(refusal->detail));
                    return;
                }
                break;
            }
        }
        if (second != nullptr) {
            take(*second, account, row, std::move(*second_slot));
            return;
        }
        if (!configured) {
            if (row.provider == core::Provider::etelecom) {
                refuse(row, UnplannableReason::etelecom_not_configured, {});
            } else {
                refuse(row, UnplannableReason::account_not_configured, row.account);
            }
            return;
        }
        refuse(row, UnplannableReason::no_source, {});
    }

    void take(const StatusSource& source, const std::string& account, const core::State& row,
              Slot slot) {
        if (source.ids_per_call() <= 1) {
            plan_.calls.push_back(PlannedCall{&source,
                                              account,
                                              std::move(slot.group),
                                              std::move(slot.message_id),
                                              {row.sms_id},
                                              {}});
            return;
        }
        const auto [it, inserted] =
            group_index_.try_emplace(std::make_tuple(&source, account, slot.group), groups_.size());
        if (inserted) {
            groups_.push_back(CallGroup{&source, account, std::move(slot.group), {}});
        }
        groups_[it->second].sms_ids.push_back(row.sms_id);
    }

    void refuse(const core::State& row, UnplannableReason reason, std::string detail) {
        plan_.unplannable.push_back(Unplannable{row.sms_id, reason, std::move(detail)});
    }

    const PlanTargets& targets_;
    std::unordered_set<std::string> seen_;
    std::vector<CallGroup> groups_;  // in order of first row
    std::map<std::tuple<const StatusSource*, std::string, std::string>, std::size_t> group_index_;
    Plan plan_;
};

template <typename Ids>
std::vector<std::string> missing_from(std::span<const std::string> asked, const Ids& returned) {
    std::vector<std::string> missing;
    std::unordered_set<std::string_view> reported;
    for (const auto& id : returned) {
        reported.insert(id);
    }
    for (const auto& id : asked) {
        // Inserting into `reported` also drops an id asked about twice.
        if (reported.insert(id).second) {
            missing.push_back(id);
        }
    }
    return missing;
}

}  // namespace

Plan plan_calls(std::span<const core::State> rows, const PlanTargets& targets) {
    Planner planner(targets);
    for (const auto& row : rows) {
        planner.add(row);
    }
    return std::move(planner).finish();
}

std::vector<std::string> missing_ids(std::span<const std::string> asked,
                                     std::span<const std::string> returned) {
    return missing_from(asked, returned);
}

std::vector<std::string> missing_ids(std::span<const std::string> asked,
                                     std::span<const core::Observation> returned) {
    std::vector<std::string_view> ids;
    ids.reserve(returned.size());
    for (const auto& observation : returned) {
        ids.push_back(observation.sms_id);
    }
    return missing_from(asked, ids);
}

}  // namespace deliveryd::reconcile
