// eSMS GetSendStatus (GET .../GetSendStatus): the status of one SMS or Viber
// message by its SMSID.
#include "deliveryd/core/channel.hpp"
#include "deliveryd/providers/esms/get_send_status.hpp"

#include "reconcile/sources/all_sources.hpp"
#include "reconcile/sources/esms_rows.hpp"
#include "reconcile/sources/outcomes.hpp"

namespace deliveryd::reconcile::sources {
namespace {

class GetSendStatus final : public StatusSource {
  public:
    std::string_view name() const noexcept override { return "send_status"; }
    core::Provider provider() const noexcept override { return core::Provider::esms; }
    store::ClaimLane lane() const noexcept override { return store::ClaimLane::lookup; }
    std::size_t ids_per_call() const noexcept override { return 1; }

    std::optional<double> rate(const PollingSettings& settings,
                               std::string_view account) const override {
        const auto* found = esms_account(settings, account);
        return found ? enabled_rate(found->send_status_tps) : std::nullopt;
    }

    // Every eSMS message that is not a ZNS (a row that says nothing of its
    // type is asked as an SMS).
    Placement place(const core::State& row, const ScheduleSettings&) const override {
        if (core::is_zns(row)) {
            return NotMine{};
        }
        if (auto refusal = esms_id_refusal(row)) {
            return *refusal;
        }
        return Slot{};
    }

    providers::HttpRequest request(const PollingSettings& settings,
                                   const PlannedCall& call) const override {
        return providers::esms::build_get_send_status_request(
            settings.esms.api_base, esms_credentials(settings, call.account), call.sms_ids.front());
    }

    CallOutcome interpret(const PlannedCall& call, const CallAnswer& answer,
                          core::Timestamp received_at) const override {
        if (auto decided = by_http_status(answer)) {
            return std::move(*decided);
        }
        auto parsed = providers::esms::parse_get_send_status_response(
            answer.body, call.sms_ids.front(), received_at);
        if (!parsed) {
            return malformed(std::move(parsed.error));
        }
        auto& body = *parsed.value;
        if (body.code != 100) {
            return esms_code(call, body.code, {});
        }
        auto out = outcome(CallVerdict::answered, "ok");
        if (body.observation) {
            out.observations.push_back(std::move(*body.observation));
        }
        out.notes = std::move(parsed.notes);
        return out;
    }
};

}  // namespace

const StatusSource& esms_get_send_status() {
    static const GetSendStatus source;
    return source;
}

}  // namespace deliveryd::reconcile::sources
