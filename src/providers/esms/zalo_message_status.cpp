#include "deliveryd/providers/esms/zalo_message_status.hpp"

#include <limits>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/core/time_text.hpp"

#include "providers/url_text.hpp"

namespace deliveryd::providers::esms {

HttpRequest build_zalo_message_status_request(std::string_view api_base,
                                              const Credentials& credentials,
                                              std::string_view oa_id, std::string_view message_id) {
    boost::json::object body;
    body["ApiKey"] = credentials.api_key;
    body["SecretKey"] = credentials.secret_key;
    body["OAID"] = oa_id;
    body["MessageId"] = message_id;
    return HttpRequest{
        .method = HttpMethod::post,
        .url = providers::detail::join_url(api_base, zalo_message_status_path),
        .headers = {{"Content-Type", "application/json"}},
        .body = boost::json::serialize(body),
    };
}

namespace {

using Result = ParseResult<ZaloMessageStatusResponse>;

Result parse(std::string_view body, std::string_view sms_id, std::string_view oa_id,
             std::string_view message_id, core::Timestamp received_at) {
    const auto document = core::parse_json(body);
    if (!document || !document->is_object()) {
        return Result::failure("GetZaloMessageStatus: the body is not a JSON object");
    }
    core::JsonReader fields(document->get_object());
    const auto code = fields.integer("CodeResult", 0, 1'000'000);
    if (!code) {
        return Result::failure(fields.ok() ? "GetZaloMessageStatus: no CodeResult in the answer"
                                           : "GetZaloMessageStatus: " + fields.error());
    }
    ZaloMessageStatusResponse response;
    response.code = *code;
    response.result = classify_result_code(*code);
    response.message = fields.text("ErrorMessage", 200).value_or("");
    if (response.result != ResultClass::success) {
        return Result::success(std::move(response));
    }

    const auto* data = fields.member("Data");
    if (data == nullptr || !data->is_object()) {
        return Result::failure("GetZaloMessageStatus: code 100 without a Data object");
    }
    core::JsonReader d(data->get_object());
    const auto status =
        d.integer("status", std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
    const auto delivery_time = d.epoch_millis("delivery_time");
    if (!d.ok()) {
        return Result::failure("GetZaloMessageStatus: Data " + d.error());
    }
    if (!status) {
        return Result::failure("GetZaloMessageStatus: Data has no status");
    }

    auto o = core::report_from(core::Source::zalo_status, core::Provider::esms, std::string(sms_id),
                               received_at, core::to_valid_utf8(body));
    o.zalo_status = *status;
    if (!oa_id.empty()) {
        o.oa_id = std::string(oa_id);
    }
    if (!message_id.empty()) {
        o.partner_id = std::string(message_id);
    }
    switch (*status) {
        case 1:
            o.state = core::StateLabel::delivered;
            if (delivery_time && core::is_plausible_provider_time(*delivery_time, received_at)) {
                o.delivered_at = delivery_time;
            }
            break;
        case 0:
            o.state = core::StateLabel::sent;
            break;
        case -1:
            // No such message at Zalo: says nothing about our row's progress.
            o.state = core::StateLabel::submitted;
            break;
        default:
            // Undocumented: recorded, and the row's state stays where it is.
            o.state = core::StateLabel::submitted;
            o.unknown_status = std::to_string(*status);
            break;
    }
    response.message_found = *status != -1;
    response.observation = std::move(o);
    return Result::success(std::move(response));
}

}  // namespace

ParseResult<ZaloMessageStatusResponse> parse_zalo_message_status_response(
    std::string_view body, std::string_view sms_id, std::string_view oa_id,
    std::string_view message_id, core::Timestamp received_at) noexcept {
    try {
        return parse(body, sms_id, oa_id, message_id, received_at);
    } catch (...) {
        return Result::out_of_memory();
    }
}

}  // namespace deliveryd::providers::esms
