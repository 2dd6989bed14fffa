// eSMS QueryZnsStatus: the outcome of one ZNS of TypeId 24 or 25, asked by
// its SMSID alone. It needs neither a CallbackUrl nor an OA id, so it answers
// the ZNS GetCallback cannot see; GetCallback still asks first when it can,
// because one of its calls carries 200 ids where this one carries one.
#include "deliveryd/core/channel.hpp"
#include "deliveryd/providers/esms/query_zns_status.hpp"

#include "reconcile/sources/all_sources.hpp"
#include "reconcile/sources/esms_rows.hpp"
#include "reconcile/sources/outcomes.hpp"

namespace deliveryd::reconcile::sources {
namespace {

class QueryZnsStatus final : public StatusSource {
  public:
    std::string_view name() const noexcept override { return "query_zns_status"; }
    core::Provider provider() const noexcept override { return core::Provider::esms; }
    store::ClaimLane lane() const noexcept override { return store::ClaimLane::lookup; }
    std::size_t ids_per_call() const noexcept override { return 1; }

    std::optional<double> rate(const PollingSettings& settings,
                               std::string_view account) const override {
        const auto* found = esms_account(settings, account);
        return found ? enabled_rate(found->query_zns_tps) : std::nullopt;
    }

    // A ZNS of TypeId 24/25 that GetZaloMessageStatus does not take. It is
    // this source's first choice when GetCallback cannot help: no status
    // after `query_zns_after` of GetCallback's answers (sent without a
    // CallbackUrl), no OA id to ask GetCallback under, or accepted by Zalo
    // without a Zalo message id (GetZaloMessageStatus needs one). Any other
    // such ZNS is its second choice: asked here only when GetCallback is off
    // for the account.
    Placement place(const core::State& row, const ScheduleSettings& schedule) const override {
        if (!row.type_id || !providers::esms::query_zns_status_takes(*row.type_id) ||
            !core::is_zns(row)) {
            return NotMine{};
        }
        if (auto refusal = esms_id_refusal(row)) {
            return *refusal;
        }
        Slot slot{std::to_string(*row.type_id), {}, false};
        const bool unseen_by_get_callback = row.state == core::StateLabel::submitted &&
                                            row.poll_attempts >= schedule.query_zns_after;
        const bool accepted_without_id =
            row.state == core::StateLabel::sent && present(row.partner_id).empty();
        slot.second_choice =
            !unseen_by_get_callback && !accepted_without_id && !present(row.oa_id).empty();
        return slot;
    }

    providers::HttpRequest request(const PollingSettings& settings,
                                   const PlannedCall& call) const override {
        return providers::esms::build_query_zns_status_request(
            settings.esms.api_base, esms_credentials(settings, call.account), call.sms_ids.front(),
            std::stoi(call.group));
    }

    CallOutcome interpret(const PlannedCall& call, const CallAnswer& answer,
                          core::Timestamp received_at) const override {
        if (auto decided = by_http_status(answer)) {
            return std::move(*decided);
        }
        auto parsed = providers::esms::parse_query_zns_status_response(
            answer.body, call.sms_ids.front(), received_at);
        if (!parsed) {
            return malformed(std::move(parsed.error));
        }
        auto& body = *parsed.value;
        if (body.code != 100) {
            return esms_code(call, body.code, body.message);
        }
        auto out = outcome(CallVerdict::answered, body.observation ? "ok" : "no_data");
        if (body.observation) {
            out.observations.push_back(std::move(*body.observation));
        }
        out.notes = std::move(parsed.notes);
        return out;
    }
};

}  // namespace

const StatusSource& esms_query_zns_status() {
    static const QueryZnsStatus source;
    return source;
}

}  // namespace deliveryd::reconcile::sources
