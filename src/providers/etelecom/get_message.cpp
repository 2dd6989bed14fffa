#include "deliveryd/providers/etelecom/get_message.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/text.hpp"

#include "providers/etelecom/message_object.hpp"
#include "providers/url_text.hpp"

namespace deliveryd::providers::etelecom {

HttpRequest build_get_message_request(std::string_view base_url, std::string_view api_key,
                                      std::string_view oa_id, std::string_view msg_id) {
    boost::json::object body;
    body["oa_id"] = oa_id;
    body["msg_id"] = msg_id;
    return HttpRequest{
        .method = HttpMethod::post,
        .url = providers::detail::join_url(base_url, get_message_method),
        .headers = {{"Authorization", "Bearer " + std::string(api_key)},
                    {"Content-Type", "application/json"},
                    {"Accept", "application/json"}},
        .body = boost::json::serialize(body),
    };
}

namespace {

using Result = ParseResult<GetMessageResponse>;

constexpr std::size_t max_id_text = 256;

Result parse(std::string_view body, std::string_view sms_id, core::Timestamp received_at) {
    const auto document = core::parse_json(body);
    if (!document || !document->is_object()) {
        return Result::failure("GetMessage: the body is not a JSON object");
    }
    const auto& top = document->get_object();
    core::JsonReader fields(top);
    if (!fields.text("msg_id", max_id_text) && !fields.member("id")) {
        // Twirp-style error {"code":"not_found","msg":"..."}: name the code only.
        const auto code = fields.text("code", 64);
        return Result::failure(code ? "GetMessage: eTelecom error " + detail::printable_code(*code)
                                    : "GetMessage: no message in the answer");
    }
    std::string error;
    std::vector<std::string> notes;
    auto read = detail::read_message_object(
        top,
        core::report_from(core::Source::etelecom_get_message, core::Provider::etelecom,
                          std::string(sms_id), received_at, core::to_valid_utf8(body)),
        error, notes);
    if (!read) {
        return Result::failure("GetMessage: " + error);
    }
    for (auto& note : notes) {
        note.insert(0, "GetMessage: ");
    }
    return Result::success(GetMessageResponse{std::move(read->observation), std::move(read->sms)},
                           std::move(notes));
}

}  // namespace

ParseResult<GetMessageResponse> parse_get_message_response(std::string_view body,
                                                           std::string_view sms_id,
                                                           core::Timestamp received_at) noexcept {
    try {
        return parse(body, sms_id, received_at);
    } catch (...) {
        return Result::out_of_memory();
    }
}

}  // namespace deliveryd::providers::etelecom
