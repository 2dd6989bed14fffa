// The CSV that `deliveryd import --csv FILE` reads: a header row naming the
// columns (sms_id required; provider, account, type_id, oa_id, phone,
// request_id, template_id, submitted_at, scheduled_at optional, in any
// order), then one sent message per row. An empty field takes the column's
// default. Pure.
#pragma once

#include <stdexcept>
#include <string_view>
#include <vector>

#include "deliveryd/store/operator_queries.hpp"

namespace deliveryd::app {

// "line N: column C: problem", one line per bad row (its first problem), up
// to 20 rows and then a count of the rest; nothing of the file should be
// imported.
class RegistrationError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Every row, checked as the callback route checks reports: SMSIDs 1-128
// printable characters without spaces, quotes or semicolons; provider esms
// or etelecom; type_id an integer; submitted_at and scheduled_at RFC 3339
// with a zone.
[[nodiscard]] std::vector<store::RegisteredMessage> read_registrations(std::string_view csv);

}  // namespace deliveryd::app
