// eTelecom Zalo Cloud GetMessage (seed 003) and ListMessages (errors in
// eTelecom's Twirp style, {"code","msg"}).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "api_types.hpp"

namespace deliveryd::sim {

// POST /v1/shop.Zalo/GetMessage, Authorization: Bearer <key>, body {oa_id, msg_id}.
http_response handle_etelecom_get_message(api_context& ctx, const http_request& req, api_time now);

// POST /v1/shop.Zalo/ListMessages, same key and errors as GetMessage; body
// {filter: {oa_id, date_from, date_to, time_type}, paging: {limit, after}}.
// Pages in ascending (listed time, msg_id) order; paging.next names the last
// entry of a page when more follow.
http_response handle_etelecom_list_messages(api_context& ctx, const http_request& req,
                                            api_time now);

// The message object at `now` (seed 003 field names and types). `sms` is
// present only for messages with an SMS fallback whose ZNS has failed.
boost::json::object etelecom_message_body(const message& m, sim_time now);

// The message object's updated_at at `now`: the delivery once on the phone,
// else the status shown, else the submission. ListMessages filters on it.
sim_time etelecom_updated_at(const message& m, sim_time now);

// A place in ListMessages' order: the listed time, then the msg_id.
struct list_position {
    std::int64_t micros = 0;  // since the epoch
    std::string msg_id;

    bool operator==(const list_position&) const = default;
};

// ListMessages' cursor naming `p`: lowercase hex of "<micros>|<msg_id>".
// Exposed for tests; callers treat it as opaque.
std::string encode_list_cursor(const list_position& p);
// nullopt unless `cursor` is hex of "<micros>|<msg_id>".
std::optional<list_position> decode_list_cursor(std::string_view cursor);

// A Twirp error body: {"code": code, "msg": msg}.
http_response twirp_error(const http_request& req, http::status status, std::string_view code,
                          std::string_view msg);

}  // namespace deliveryd::sim
