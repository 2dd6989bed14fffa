// eSMS endpoints (seeds 000, 002, 004): request checking, credentials, rate
// limits and answers with the seeds' field names and JSON types.
#pragma once

#include <boost/json/value.hpp>

#include "api_types.hpp"

namespace deliveryd::sim {

// Ids of a ListRefid beyond this are ignored (seed 000).
constexpr std::size_t get_callback_max_ids = 200;

// POST /ZaloCallback/GetCallback
http_response handle_get_callback(api_context& ctx, const http_request& req, api_time now);
// GET /MainService.svc/json/GetSendStatus?RefId=&ApiKey=&SecretKey=
http_response handle_get_send_status(api_context& ctx, const http_request& req, api_time now);
// POST /MainService.svc/json/GetZaloMessageStatus
http_response handle_zalo_status(api_context& ctx, const http_request& req, api_time now);
// POST /MainService.svc/json/QueryZnsStatus/
http_response handle_query_zns_status(api_context& ctx, const http_request& req, api_time now);
// POST /MainService.svc/json/GetSmsSentData_V2
http_response handle_sms_sent_data(api_context& ctx, const http_request& req, api_time now);

// Answer bodies, exposed for tests.
boost::json::object get_callback_entry(const message& m, const message_view& v,
                                       std::string_view callback_url);
boost::json::object send_status_body(const message& m, const message_view& v);
boost::json::object zalo_status_body(const message* m, sim_time now);
// Data of a QueryZnsStatus answer about a message with a status (v.last set).
// The simulator never gives up on a handset receipt, so it never answers
// eSMS's "1001" (user not online in time): a ZNS that is never delivered
// stays FinalStatus 0.
boost::json::object query_zns_status_data(const message& m, const message_view& v);

}  // namespace deliveryd::sim
