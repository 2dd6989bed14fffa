// The admin listener's view of a message, shared by the JSON API and the
// HTML pages so that both mask and explain alike: the delivery_state row
// and its reports as JSON objects, each error code with its meaning
// (core/error_meaning.hpp), and unless `unmask` every phone number and Zalo
// user id masked (core/masking.hpp), in the columns and in every written
// form inside the raw payloads.
#pragma once

#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "deliveryd/store/message_lookup.hpp"

namespace deliveryd::http::admin_json {

// {"message": {...}, "events": [...], "masked": bool}
[[nodiscard]] boost::json::object message(const store::MessageRecord& record, bool unmask);

// The rows of a search page (store::MessagePage::messages), explained and,
// unless `unmask`, masked.
[[nodiscard]] boost::json::array search_rows(const std::vector<std::string>& texts, bool unmask);

}  // namespace deliveryd::http::admin_json
