// eTelecom GetMessage (POST <base>.Zalo/GetMessage, a Twirp call): one ZNS
// by Zalo's msg_id and its OA. The sender registers the row under the msg_id
// SendZNS returned, and every GetMessage answer stores msg_id as partner_id,
// so partner_id, once known, is the provider's own word for the message.
#include <stdexcept>

#include "deliveryd/providers/etelecom/get_message.hpp"

#include "reconcile/sources/all_sources.hpp"
#include "reconcile/sources/outcomes.hpp"
#include "reconcile/sources/row_text.hpp"

namespace deliveryd::reconcile::sources {
namespace {

class GetMessage final : public StatusSource {
  public:
    std::string_view name() const noexcept override { return "etelecom_get_message"; }
    core::Provider provider() const noexcept override { return core::Provider::etelecom; }
    store::ClaimLane lane() const noexcept override { return store::ClaimLane::lookup; }
    std::size_t ids_per_call() const noexcept override { return 1; }

    // eTelecom has one configuration, keyed by etelecom_account.
    std::optional<double> rate(const PollingSettings& settings,
                               std::string_view account) const override {
        if (!settings.etelecom || account != etelecom_account) {
            return std::nullopt;
        }
        return enabled_rate(settings.etelecom->get_message_tps);
    }

    Placement place(const core::State& row, const ScheduleSettings&) const override {
        const auto oa_id = present(row.oa_id);
        if (oa_id.empty()) {
            return Refusal{UnplannableReason::missing_oa_id, {}};
        }
        const auto partner_id = present(row.partner_id);
        return Slot{std::string(oa_id),
                    std::string(partner_id.empty() ? std::string_view(row.sms_id) : partner_id)};
    }

    providers::HttpRequest request(const PollingSettings& settings,
                                   const PlannedCall& call) const override {
        if (!settings.etelecom) {
            throw std::out_of_range("eTelecom is not configured");
        }
        return providers::etelecom::build_get_message_request(
            settings.etelecom->base_url, settings.etelecom->api_key, call.group, call.message_id);
    }

    CallOutcome interpret(const PlannedCall& call, const CallAnswer& answer,
                          core::Timestamp received_at) const override {
        // Twirp errors: 404 not_found is about the message (not sent yet, or
        // not this OA's); 400 invalid_argument refuses our request for it.
        if (answer.http_status == 404 && answer.body.find("not_found") != std::string_view::npos) {
            return outcome(CallVerdict::answered, "no_data", "HTTP 404 not_found");
        }
        if (answer.http_status == 400) {
            return outcome(CallVerdict::rejected, "rejected", "HTTP 400");
        }
        if (auto decided = by_http_status(answer)) {
            return std::move(*decided);
        }
        auto parsed = providers::etelecom::parse_get_message_response(
            answer.body, call.sms_ids.front(), received_at);
        if (!parsed) {
            return malformed(std::move(parsed.error));
        }
        auto out = outcome(CallVerdict::answered, "ok");
        out.observations.push_back(std::move(parsed.value->observation));
        out.notes = std::move(parsed.notes);
        return out;
    }
};

}  // namespace

const StatusSource& etelecom_get_message() {
    static const GetMessage source;
    return source;
}

}  // namespace deliveryd::reconcile::sources
