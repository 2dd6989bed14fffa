// eTelecom Zalo Cloud ListMessages: a shop's ZNS messages whose update time
// falls in a window, one page at a time by cursor. POST
// <base_url>.Zalo/ListMessages with `Authorization: Bearer <api_key>`.
// eTelecom documents no rate and no largest page; deliveryd's defaults are
// 1 call/s and 100 messages a page (etelecom.list_messages_tps,
// etelecom.list_messages_page_size).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/status.hpp"
#include "deliveryd/providers/http_request.hpp"
#include "deliveryd/providers/parse_result.hpp"

namespace deliveryd::providers::etelecom {

inline constexpr std::string_view list_messages_method = ".Zalo/ListMessages";

struct ListMessagesQuery {
    std::string oa_id;             // one OA's messages
    core::Timestamp updated_from;  // update time, inclusive
    core::Timestamp updated_to;
    int limit = 100;    // messages a page
    std::string after;  // the previous page's paging.next; empty for the first page
};

// Body {"filter":{"oa_id","date_from","date_to","time_type":"updated_time"},
// "paging":{"limit","after"}}: dates in RFC 3339 (UTC), oa_id as a string
// (an int64 the API takes as text), "after" only past the first page.
[[nodiscard]] HttpRequest build_list_messages_request(std::string_view base_url,
                                                      std::string_view api_key,
                                                      const ListMessagesQuery& query);

struct ListMessagesResponse {
    std::size_t entries = 0;  // messages on this page, skipped ones included
    // One per message that names itself (a msg_id or a tracking_id), in page
    // order, read as GetMessage's answer is (get_message.hpp): source
    // etelecom_list_messages, provider etelecom, partner_id = msg_id,
    // request_id = tracking_id. sms_id is the msg_id, or empty when only
    // tracking_id names the message: which row it is about is for the
    // caller, who knows the rows it asked about. raw = the message object.
    std::vector<core::Observation> observations;
    // paging.next: the cursor of the next page, empty on the last.
    std::string next;
};

// A Twirp error body {"code","msg"} (HTTP 4xx/5xx), a body without a
// messages list, or a message with an unreadable field is an error; an
// unreadable sms{} is only noted.
[[nodiscard]] ParseResult<ListMessagesResponse> parse_list_messages_response(
    std::string_view body, core::Timestamp received_at) noexcept;

}  // namespace deliveryd::providers::etelecom
