// One eTelecom message object read into an Observation: GetMessage answers
// with one, each entry of a ListMessages page is one. The rule from the
// object's fields to a state lives here, once. Private to providers/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/providers/etelecom/get_message.hpp"

namespace deliveryd::providers::etelecom::detail {

struct MessageObject {
    core::Observation observation;
    std::optional<SmsFallback> sms;
};

// Fills `o` (its source, provider, sms_id and raw set by the caller) from
// `object`: partner_id = msg_id, oa_id, phone, zl_user_id, tracking_id as
// request_id, template_id, error_code and error_message, and the label:
// delivery_status received/seen -> delivered (delivered_at = delivery_time
// when plausible); else error_code != 0 -> failed; else sent when sent_time
// is set, submitted otherwise. A delivery_status other than
// unknown/received/seen is named in unknown_status. The fallback SMS does not
// change the label (the row tracks the ZNS, and the SMS leg's status values
// are undocumented): its status and send time go to fallback_sms_status /
// fallback_sms_at. nullopt with `error` set when a field cannot be read; an
// unreadable sms{} is only noted.
[[nodiscard]] std::optional<MessageObject> read_message_object(const boost::json::object& object,
                                                               core::Observation o,
                                                               std::string& error,
                                                               std::vector<std::string>& notes);

// eTelecom's error code as an error text shows it: Twirp codes are short
// snake_case words, and the text goes to log lines as it is, so any other
// byte (a line break, a control or non-ASCII character) becomes '?'.
[[nodiscard]] std::string printable_code(std::string_view code);

}  // namespace deliveryd::providers::etelecom::detail
