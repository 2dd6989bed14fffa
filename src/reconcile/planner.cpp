#include "deliveryd/reconcile/planner.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_set>
#include <utility>

#include "deliveryd/core/channel.hpp"
#include "deliveryd/providers/esms/get_callback.hpp"
#include "deliveryd/providers/esms/sms_id.hpp"

namespace deliveryd::reconcile {
namespace {

// Empty texts come from senders that insert '' instead of NULL; a call cannot
// use them either way.
std::string_view present(const std::optional<std::string>& text) {
    return text ? std::string_view(*text) : std::string_view{};
}

// GetCallback ids of one (account, oa_id), in row order.
struct CallbackGroup {
    std::string account;
    std::string oa_id;
    std::vector<std::string> sms_ids;
};

class Planner {
  public:
    explicit Planner(const PlanTargets& targets)
        : accounts_(targets.esms_accounts.begin(), targets.esms_accounts.end()),
          etelecom_(targets.etelecom) {}

    void add(const core::State& row) {
        if (!seen_.insert(row.sms_id).second) {
            refuse(row, UnplannableReason::duplicate, {});
        } else if (row.is_final) {
            refuse(row, UnplannableReason::already_final, std::string(core::to_string(row.state)));
        } else if (row.provider == core::Provider::etelecom) {
            add_etelecom(row);
        } else {
            add_esms(row);
        }
    }

    Plan finish() && {
        // GetCallback chunks after the one-row calls: each key's calls still
        // follow row order, and chunks of 200 only form once the batch is seen.
        for (const auto& group : groups_) {
            const auto& ids = group.sms_ids;
            for (std::size_t at = 0; at < ids.size(); at += providers::esms::get_callback_max_ids) {
                const auto end = std::min(ids.size(), at + providers::esms::get_callback_max_ids);
                PlannedCall call{Endpoint::get_callback, group.account, group.oa_id, {}, {}};
                call.sms_ids.assign(ids.begin() + static_cast<std::ptrdiff_t>(at),
                                    ids.begin() + static_cast<std::ptrdiff_t>(end));
                plan_.calls.push_back(std::move(call));
            }
        }
        return std::move(plan_);
    }

  private:
    void add_etelecom(const core::State& row) {
        const auto oa_id = present(row.oa_id);
        if (!etelecom_) {
            refuse(row, UnplannableReason::etelecom_not_configured, {});
        } else if (oa_id.empty()) {
            refuse(row, UnplannableReason::missing_oa_id, {});
        } else {
            const auto partner_id = present(row.partner_id);
            const auto msg_id = partner_id.empty() ? std::string_view(row.sms_id) : partner_id;
            plan_.calls.push_back(PlannedCall{Endpoint::etelecom_get_message,
                                              std::string(etelecom_account),
                                              std::string(oa_id),
                                              std::string(msg_id),
                                              {row.sms_id}});
        }
    }

    void add_esms(const core::State& row) {
        const auto oa_id = present(row.oa_id);
        const auto partner_id = present(row.partner_id);
        if (!accounts_.contains(row.account)) {
            refuse(row, UnplannableReason::account_not_configured, row.account);
        } else if (const auto problem = providers::esms::sms_id_problem(row.sms_id);
                   !problem.empty()) {
            refuse(row, UnplannableReason::invalid_sms_id, std::string(problem));
        } else if (!core::is_zns(row)) {
            plan_.calls.push_back(
                PlannedCall{Endpoint::send_status, row.account, {}, {}, {row.sms_id}});
        } else if (oa_id.empty()) {
            refuse(row, UnplannableReason::missing_oa_id, {});
        } else if (!partner_id.empty() && row.state == core::StateLabel::sent) {
            // Zalo has the message: only its handset receipt is left to learn.
            plan_.calls.push_back(PlannedCall{Endpoint::zalo_status,
                                              row.account,
                                              std::string(oa_id),
                                              std::string(partner_id),
                                              {row.sms_id}});
        } else {
            group_for(row.account, oa_id).sms_ids.push_back(row.sms_id);
        }
    }

    CallbackGroup& group_for(const std::string& account, std::string_view oa_id) {
        const auto [it, inserted] =
            group_index_.try_emplace(std::make_pair(account, std::string(oa_id)), groups_.size());
        if (inserted) {
            groups_.push_back(CallbackGroup{account, std::string(oa_id), {}});
        }
        return groups_[it->second];
    }

    void refuse(const core::State& row, UnplannableReason reason, std::string detail) {
        plan_.unplannable.push_back(Unplannable{row.sms_id, reason, std::move(detail)});
    }

    std::unordered_set<std::string> accounts_;
    bool etelecom_;
    std::unordered_set<std::string> seen_;
    std::vector<CallbackGroup> groups_;  // in order of first row
    std::map<std::pair<std::string, std::string>, std::size_t> group_index_;
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

std::string_view to_string(UnplannableReason reason) noexcept {
    switch (reason) {
        case UnplannableReason::duplicate:
            return "duplicate";
        case UnplannableReason::already_final:
            return "already_final";
        case UnplannableReason::account_not_configured:
            return "account_not_configured";
        case UnplannableReason::etelecom_not_configured:
            return "etelecom_not_configured";
        case UnplannableReason::missing_oa_id:
            return "missing_oa_id";
        case UnplannableReason::invalid_sms_id:
            return "invalid_sms_id";
    }
    return "unknown";
}

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
