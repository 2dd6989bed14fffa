// eSMS GetZaloMessageStatus: whether a ZNS that Zalo accepted reached the
// handset, asked by Zalo's message id, one message per call. Rows waiting for
// it are claimed in their own lane (store::ClaimLane::zalo_delivery), so a
// backlog of other lookups never delays a receipt.
#include "deliveryd/core/channel.hpp"
#include "deliveryd/providers/esms/zalo_message_status.hpp"

#include "reconcile/sources/all_sources.hpp"
#include "reconcile/sources/esms_rows.hpp"
#include "reconcile/sources/outcomes.hpp"

namespace deliveryd::reconcile::sources {
namespace {

class ZaloStatus final : public StatusSource {
  public:
    std::string_view name() const noexcept override { return "zalo_status"; }
    core::Provider provider() const noexcept override { return core::Provider::esms; }
    store::ClaimLane lane() const noexcept override { return store::ClaimLane::zalo_delivery; }
    std::size_t ids_per_call() const noexcept override { return 1; }

    std::optional<double> rate(const PollingSettings& settings,
                               std::string_view account) const override {
        const auto* found = esms_account(settings, account);
        return found ? enabled_rate(found->zalo_status_tps) : std::nullopt;
    }

    // A ZNS that Zalo has (state sent, its message id known): only the
    // handset receipt is left to learn. Other ZNS go to GetCallback.
    Placement place(const core::State& row, const ScheduleSettings&) const override {
        const auto oa_id = present(row.oa_id);
        const auto partner_id = present(row.partner_id);
        if (!core::is_zns(row) || row.state != core::StateLabel::sent || partner_id.empty() ||
            oa_id.empty()) {
            return NotMine{};
        }
        if (auto refusal = esms_id_refusal(row)) {
            return *refusal;
        }
        return Slot{std::string(oa_id), std::string(partner_id)};
    }

    providers::HttpRequest request(const PollingSettings& settings,
                                   const PlannedCall& call) const override {
        return providers::esms::build_zalo_message_status_request(
            settings.esms.api_base, esms_credentials(settings, call.account), call.group,
            call.message_id);
    }

    CallOutcome interpret(const PlannedCall& call, const CallAnswer& answer,
                          core::Timestamp received_at) const override {
        if (auto decided = by_http_status(answer)) {
            return std::move(*decided);
        }
        auto parsed = providers::esms::parse_zalo_message_status_response(
            answer.body, call.sms_ids.front(), call.group, call.message_id, received_at);
        if (!parsed) {
            return malformed(std::move(parsed.error));
        }
        auto& body = *parsed.value;
        if (body.code != 100) {
            return esms_code(call, body.code, body.message);
        }
        auto out = outcome(CallVerdict::answered, body.message_found ? "ok" : "no_data");
        if (body.observation) {
            out.observations.push_back(std::move(*body.observation));
        }
        out.notes = std::move(parsed.notes);
        return out;
    }
};

}  // namespace

const StatusSource& esms_zalo_status() {
    static const ZaloStatus source;
    return source;
}

}  // namespace deliveryd::reconcile::sources
