#include "deliveryd/reconcile/endpoint.hpp"

namespace deliveryd::reconcile {

std::string_view to_string(Endpoint endpoint) noexcept {
    switch (endpoint) {
        case Endpoint::get_callback:
            return "get_callback";
        case Endpoint::zalo_status:
            return "zalo_status";
        case Endpoint::send_status:
            return "send_status";
        case Endpoint::etelecom_get_message:
            return "etelecom_get_message";
    }
    return "unknown";
}

core::Source source_of(Endpoint endpoint) noexcept {
    switch (endpoint) {
        case Endpoint::get_callback:
            return core::Source::get_callback;
        case Endpoint::zalo_status:
            return core::Source::zalo_status;
        case Endpoint::send_status:
            return core::Source::get_send_status;
        case Endpoint::etelecom_get_message:
            return core::Source::etelecom_get_message;
    }
    // Unreachable for a valid enum value; the event log's most generic poll source.
    return core::Source::get_send_status;
}

}  // namespace deliveryd::reconcile
