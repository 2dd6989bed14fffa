#include "deliveryd/providers/esms/get_send_status.hpp"

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/text.hpp"

#include "json_record.hpp"
#include "providers/url_text.hpp"

namespace deliveryd::providers::esms {

HttpRequest build_get_send_status_request(std::string_view api_base, const Credentials& credentials,
                                          std::string_view sms_id) {
    using providers::detail::encode_query_value;
    std::string url = providers::detail::join_url(api_base, get_send_status_path);
    url += "?RefId=";
    url += encode_query_value(sms_id);
    url += "&ApiKey=";
    url += encode_query_value(credentials.api_key);
    url += "&SecretKey=";
    url += encode_query_value(credentials.secret_key);
    return HttpRequest{.method = HttpMethod::get, .url = std::move(url), .headers = {}, .body = {}};
}

namespace {

using Result = ParseResult<GetSendStatusResponse>;

Result parse(std::string_view body, std::string_view sms_id, core::Timestamp received_at) {
    const auto document = core::parse_json(body);
    if (!document || !document->is_object()) {
        return Result::failure("GetSendStatus: the body is not a JSON object");
    }
    const auto& top = document->get_object();
    core::JsonReader fields(top);
    const auto code = fields.integer("CodeResponse", 0, 1'000'000);
    if (!code) {
        return Result::failure(fields.ok() ? "GetSendStatus: no CodeResponse in the answer"
                                           : "GetSendStatus: " + fields.error());
    }
    GetSendStatusResponse response;
    response.code = *code;
    response.result = classify_result_code(*code);
    if (response.result != ResultClass::success) {
        return Result::success(std::move(response));
    }

    std::string error;
    auto record = detail::read_json_record(top, error);
    if (!record) {
        return Result::failure("GetSendStatus: " + error);
    }
    if (record->sms_id.empty()) {
        record->sms_id = std::string(sms_id);
    } else if (record->sms_id != sms_id) {
        return Result::failure("GetSendStatus: the answer is about another SMSID");
    }
    response.observation = to_observation(std::move(*record), core::Source::get_send_status,
                                          received_at, core::to_valid_utf8(body));
    return Result::success(std::move(response));
}

}  // namespace

ParseResult<GetSendStatusResponse> parse_get_send_status_response(
    std::string_view body, std::string_view sms_id, core::Timestamp received_at) noexcept {
    try {
        return parse(body, sms_id, received_at);
    } catch (...) {
        return Result::out_of_memory();
    }
}

}  // namespace deliveryd::providers::esms
