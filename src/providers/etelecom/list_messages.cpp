#include "deliveryd/providers/etelecom/list_messages.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/core/time_text.hpp"

#include "providers/etelecom/message_object.hpp"
#include "providers/url_text.hpp"

namespace deliveryd::providers::etelecom {

HttpRequest build_list_messages_request(std::string_view base_url, std::string_view api_key,
                                        const ListMessagesQuery& query) {
    boost::json::object filter;
    filter["oa_id"] = query.oa_id;
    filter["date_from"] = core::format_rfc3339(query.updated_from);
    filter["date_to"] = core::format_rfc3339(query.updated_to);
    filter["time_type"] = "updated_time";
    boost::json::object paging;
    paging["limit"] = query.limit;
    if (!query.after.empty()) {
        paging["after"] = query.after;
    }
    boost::json::object body;
    body["filter"] = std::move(filter);
    body["paging"] = std::move(paging);
    return HttpRequest{
        .method = HttpMethod::post,
        .url = providers::detail::join_url(base_url, list_messages_method),
        .headers = {{"Authorization", "Bearer " + std::string(api_key)},
                    {"Content-Type", "application/json"},
                    {"Accept", "application/json"}},
        .body = boost::json::serialize(body),
    };
}

namespace {

using Result = ParseResult<ListMessagesResponse>;

constexpr std::size_t max_id_text = 256;
// A cursor is eTelecom's own opaque text; one longer than this is not one.
constexpr std::size_t max_cursor_text = 4096;

Result parse(std::string_view body, core::Timestamp received_at) {
    const auto document = core::parse_json(body);
    if (!document || !document->is_object()) {
        return Result::failure("ListMessages: the body is not a JSON object");
    }
    core::JsonReader fields(document->get_object());
    const auto* list = fields.member("messages");
    if (list == nullptr || !list->is_array()) {
        // Twirp-style error {"code":"invalid_argument","msg":"..."}: name the code only.
        const auto code = fields.text("code", 64);
        return Result::failure(
            code ? "ListMessages: eTelecom error " + detail::printable_code(*code)
                 : std::string(list == nullptr ? "ListMessages: no messages list in the answer"
                                               : "ListMessages: messages is not a list"));
    }
    ListMessagesResponse response;
    if (const auto* paging = fields.member("paging"); paging != nullptr && paging->is_object()) {
        core::JsonReader page(paging->get_object());
        response.next = page.text("next", max_cursor_text).value_or("");
        if (!page.ok()) {
            return Result::failure("ListMessages: paging " + page.error());
        }
    } else if (paging != nullptr && !paging->is_null()) {
        return Result::failure("ListMessages: paging is not an object");
    }
    std::vector<std::string> notes;
    std::size_t nameless = 0;
    for (const auto& entry : list->get_array()) {
        ++response.entries;
        if (!entry.is_object()) {
            return Result::failure("ListMessages: a message is not an object");
        }
        const auto& object = entry.get_object();
        core::JsonReader names(object);
        const auto msg_id = names.text("msg_id", max_id_text);
        const auto tracking_id = names.text("tracking_id", max_id_text);
        if (!names.ok()) {
            return Result::failure("ListMessages: a message's " + names.error());
        }
        if (msg_id.value_or("").empty() && tracking_id.value_or("").empty()) {
            ++nameless;  // nothing to match it with a row
            continue;
        }
        std::string error;
        auto read = detail::read_message_object(
            object,
            core::report_from(core::Source::etelecom_list_messages, core::Provider::etelecom,
                              msg_id.value_or(""), received_at,
                              core::to_valid_utf8(boost::json::serialize(object))),
            error, notes);
        if (!read) {
            return Result::failure("ListMessages: a message's " + error);
        }
        if (read->observation.partner_id && read->observation.partner_id->empty()) {
            read->observation.partner_id.reset();
        }
        response.observations.push_back(std::move(read->observation));
    }
    for (auto& note : notes) {
        note.insert(0, "ListMessages: ");
    }
    if (nameless > 0) {
        notes.push_back("ListMessages: " + std::to_string(nameless) +
                        " messages without a msg_id or tracking_id were skipped");
    }
    return Result::success(std::move(response), std::move(notes));
}

}  // namespace

ParseResult<ListMessagesResponse> parse_list_messages_response(
    std::string_view body, core::Timestamp received_at) noexcept {
    try {
        return parse(body, received_at);
    } catch (...) {
        return Result::out_of_memory();
    }
}

}  // namespace deliveryd::providers::etelecom
