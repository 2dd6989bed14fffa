// Reading an eSMS status record from a JSON object (GetCallback entries and
// GetSendStatus answers share the field names, up to case).
#pragma once

#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "deliveryd/providers/esms/callback_record.hpp"

namespace deliveryd::providers::esms::detail {

// The record, or nullopt with `error` naming the first bad field (never its
// value). A missing SMSID is allowed here (GetSendStatus may omit it); the
// caller decides.
[[nodiscard]] std::optional<CallbackRecord> read_json_record(const boost::json::object& object,
                                                             std::string& error);

}  // namespace deliveryd::providers::esms::detail
