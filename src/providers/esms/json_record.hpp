// Reading an eSMS status record from a JSON object (GetCallback entries and
// GetSendStatus answers share the field names, up to case).
#pragma once

#include <optional>
#include <string>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "deliveryd/providers/esms/callback_record.hpp"

namespace deliveryd::providers::esms::detail {

// The record, or nullopt with `error` naming the first bad field (never its
// value). A missing SMSID is allowed here (GetSendStatus may omit it); the
// caller decides.
[[nodiscard]] std::optional<CallbackRecord> read_json_record(const boost::json::object& object,
                                                             std::string& error);

// `value` as JSON text. Boost.JSON reads a number beyond a double's range
// (1e999) as an infinity and would write it back as `Infinity`, which is not
// JSON (found by fuzzing: an ErrorInfo object holding one lost its error
// code). Such numbers are written as null, which parse_error_info reads as it
// reads an infinity: as no value.
[[nodiscard]] std::string serialize_json(const boost::json::value& value);

}  // namespace deliveryd::providers::esms::detail
