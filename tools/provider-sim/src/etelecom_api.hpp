// eTelecom Zalo Cloud GetMessage (seed 003; errors in eTelecom's Twirp style,
// {"code","msg"}).
#pragma once

#include <boost/json/value.hpp>

#include "api_types.hpp"

namespace deliveryd::sim {

// POST /v1/shop.Zalo/GetMessage, Authorization: Bearer <key>, body {oa_id, msg_id}.
http_response handle_etelecom_get_message(api_context& ctx, const http_request& req, api_time now);

// The message object at `now` (seed 003 field names and types). `sms` is
// present only for messages with an SMS fallback whose ZNS has failed.
boost::json::object etelecom_message_body(const message& m, sim_time now);

// A Twirp error body: {"code": code, "msg": msg}.
http_response twirp_error(const http_request& req, http::status status, std::string_view code,
                          std::string_view msg);

}  // namespace deliveryd::sim
