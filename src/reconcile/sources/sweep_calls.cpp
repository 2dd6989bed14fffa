#include "reconcile/sources/sweep_calls.hpp"

#include "reconcile/sources/all_sources.hpp"

namespace deliveryd::reconcile::sources {

const SweepKind& sweep_kind(store::PollScope::Kind kind) {
    static const SweepKind esms{&esms_sms_sent_data(), &esms_get_send_status(), &esms_sweep_call};
    static const SweepKind etelecom{&etelecom_list_messages(), &etelecom_get_message(),
                                    &etelecom_sweep_call};
    return kind == store::PollScope::Kind::etelecom ? etelecom : esms;
}

}  // namespace deliveryd::reconcile::sources
