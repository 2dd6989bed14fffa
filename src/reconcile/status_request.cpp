#include "deliveryd/reconcile/status_request.hpp"

#include <algorithm>
#include <stdexcept>

#include "deliveryd/providers/esms/get_callback.hpp"
#include "deliveryd/providers/esms/get_send_status.hpp"
#include "deliveryd/providers/esms/zalo_message_status.hpp"
#include "deliveryd/providers/etelecom/get_message.hpp"

namespace deliveryd::reconcile {
namespace {

providers::esms::Credentials credentials_of(const PollingSettings& config,
                                            const std::string& name) {
    const auto& accounts = config.esms.accounts;
    const auto it = std::find_if(accounts.begin(), accounts.end(),
                                 [&](const EsmsAccount& a) { return a.name == name; });
    if (it == accounts.end()) {
        throw std::out_of_range("no eSMS account named " + name);
    }
    return {it->api_key, it->secret_key};
}

}  // namespace

providers::HttpRequest status_request(const PollingSettings& config, const PlannedCall& call) {
    if (call.endpoint == Endpoint::etelecom_get_message) {
        if (!config.etelecom) {
            throw std::out_of_range("eTelecom is not configured");
        }
        return providers::etelecom::build_get_message_request(
            config.etelecom->base_url, config.etelecom->api_key, call.oa_id, call.message_id);
    }
    const auto credentials = credentials_of(config, call.account);
    switch (call.endpoint) {
        case Endpoint::get_callback:
            return providers::esms::build_get_callback_requests(
                       config.esms.callback_api_base, credentials, call.oa_id, call.sms_ids)
                .front();
        case Endpoint::zalo_status:
            return providers::esms::build_zalo_message_status_request(
                config.esms.api_base, credentials, call.oa_id, call.message_id);
        case Endpoint::send_status:
        case Endpoint::etelecom_get_message:
            break;
    }
    return providers::esms::build_get_send_status_request(config.esms.api_base, credentials,
                                                          call.sms_ids.front());
}

}  // namespace deliveryd::reconcile
