// The Zalo result texts eSMS passes on (in the shapes of tests/data/seeds):
// one JSON text per event, then wrapped per TypeId for the callback, or
// followed by the .NET tail in GetCallback's ErrorInfo.
#pragma once

#include <string>

#include "message.hpp"

namespace deliveryd::sim {

// Zalo's JSON for a finished ZNS event; empty for events without an outcome
// (SendStatus 1/2/4/7) and for non-ZNS messages.
//  * by phone (24/25):     {"error":0,"message":"Success","data":{"msg_id":...}} or
//  {"error":-114,...}
//  * follower/journey:     {"data":{"message_id":...,"user_id":...},"error":0,"message":"Success"}
//  * by Zalo uid:
//  {"error":0,"message":"Success","data":{"delivery_time":null,"message":...,"status":0|1}}
// `delivered` selects the uid delivery report (status 1).
std::string zalo_result_json(const message& m, const status_event& e, bool delivered);

// The callback's error_info value, already percent-encoded for the query:
//  * 24/25 by phone: JSON string literal of the JSON, encode_esms_zns;
//  * 26/27: JSON + "____dd/MM/yyyy HH:mm:ss", encode_uri then encode_uri_component;
//  * uid: plain JSON, encode_uri_component.
std::string callback_error_info(const message& m, const status_event& e, sim_time event_time,
                                bool delivered);

// GetCallback's ErrorInfo: plain JSON plus the message's error_tail.
std::string get_callback_error_info(const message& m, const status_event& e, bool delivered);

}  // namespace deliveryd::sim
