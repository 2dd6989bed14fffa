// eSMS GetCallback (POST <callback base>/ZaloCallback/GetCallback): the
// callbacks eSMS holds for up to 200 ZNS of one OA per call. It knows only
// messages sent with a CallbackUrl, and leaves out the ids it holds nothing
// for; those back off like any answered poll.
#include <algorithm>

#include "deliveryd/core/channel.hpp"
#include "deliveryd/providers/esms/get_callback.hpp"
#include "deliveryd/reconcile/planner.hpp"

#include "reconcile/sources/all_sources.hpp"
#include "reconcile/sources/esms_rows.hpp"
#include "reconcile/sources/outcomes.hpp"

namespace deliveryd::reconcile::sources {
namespace {

class GetCallback final : public StatusSource {
  public:
    std::string_view name() const noexcept override { return "get_callback"; }
    core::Provider provider() const noexcept override { return core::Provider::esms; }
    store::ClaimLane lane() const noexcept override { return store::ClaimLane::lookup; }
    std::size_t ids_per_call() const noexcept override {
        return providers::esms::get_callback_max_ids;
    }

    std::optional<double> rate(const PollingSettings& settings,
                               std::string_view account) const override {
        const auto* found = esms_account(settings, account);
        return found ? enabled_rate(found->get_callback_tps) : std::nullopt;
    }

    // Every ZNS that GetZaloMessageStatus does not take: one Zalo has not
    // accepted yet, or whose Zalo message id is not known.
    Placement place(const core::State& row, const ScheduleSettings&) const override {
        if (!core::is_zns(row)) {
            return NotMine{};
        }
        if (auto refusal = esms_id_refusal(row)) {
            return *refusal;
        }
        const auto oa_id = present(row.oa_id);
        if (oa_id.empty()) {
            return Refusal{UnplannableReason::missing_oa_id, {}};
        }
        return Slot{std::string(oa_id), {}};
    }

    providers::HttpRequest request(const PollingSettings& settings,
                                   const PlannedCall& call) const override {
        return providers::esms::build_get_callback_requests(
                   settings.esms.callback_api_base, esms_credentials(settings, call.account),
                   call.group, call.sms_ids)
            .front();
    }

    CallOutcome interpret(const PlannedCall& call, const CallAnswer& answer,
                          core::Timestamp received_at) const override {
        if (auto decided = by_http_status(answer)) {
            return std::move(*decided);
        }
        auto parsed = providers::esms::parse_get_callback_response(answer.body, received_at);
        if (!parsed) {
            return malformed(std::move(parsed.error));
        }
        auto& body = *parsed.value;
        if (body.code != 100) {
            return esms_code(call, body.code, body.message);
        }
        auto out = outcome(CallVerdict::answered, "ok");
        // An entry about an id that was not asked about is dropped: this OA's
        // call must not write rows it has no business with.
        std::vector<std::string_view> asked(call.sms_ids.begin(), call.sms_ids.end());
        std::sort(asked.begin(), asked.end());
        for (auto& observation : body.observations) {
            if (std::binary_search(asked.begin(), asked.end(),
                                   std::string_view(observation.sms_id))) {
                out.observations.push_back(std::move(observation));
            } else {
                out.notes.push_back("an entry for an id not asked about was ignored");
            }
        }
        out.missing = missing_ids(call.sms_ids, out.observations);
        out.notes.insert(out.notes.end(), parsed.notes.begin(), parsed.notes.end());
        return out;
    }
};

}  // namespace

const StatusSource& esms_get_callback() {
    static const GetCallback source;
    return source;
}

}  // namespace deliveryd::reconcile::sources
