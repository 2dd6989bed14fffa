// The sources status_sources() lists, each defined in a file of its own in
// this folder. Private to src/reconcile.
#pragma once

#include "deliveryd/reconcile/status_source.hpp"

namespace deliveryd::reconcile::sources {

[[nodiscard]] const StatusSource& esms_zalo_status();
[[nodiscard]] const StatusSource& esms_query_zns_status();
[[nodiscard]] const StatusSource& esms_get_callback();
[[nodiscard]] const StatusSource& esms_get_send_status();
[[nodiscard]] const StatusSource& esms_sms_sent_data();
[[nodiscard]] const StatusSource& etelecom_get_message();
[[nodiscard]] const StatusSource& etelecom_list_messages();

}  // namespace deliveryd::reconcile::sources
