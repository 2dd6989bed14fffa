#include "deliveryd/providers/esms/get_callback.hpp"

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/text.hpp"

#include "json_record.hpp"
#include "providers/url_text.hpp"

namespace deliveryd::providers::esms {

std::vector<HttpRequest> build_get_callback_requests(std::string_view callback_api_base,
                                                     const Credentials& credentials,
                                                     std::string_view oa_id,
                                                     std::span<const std::string> sms_ids) {
    const std::string url = providers::detail::join_url(callback_api_base, get_callback_path);
    std::vector<HttpRequest> requests;
    for (std::size_t first = 0; first < sms_ids.size(); first += get_callback_max_ids) {
        const auto batch =
            sms_ids.subspan(first, std::min(get_callback_max_ids, sms_ids.size() - first));
        boost::json::array ids;
        ids.reserve(batch.size());
        for (const auto& id : batch) {
            ids.emplace_back(id);
        }
        boost::json::object body;
        body["ApiKey"] = credentials.api_key;
        body["SecretKey"] = credentials.secret_key;
        body["ListRefid"] = std::move(ids);
        body["OAId"] = oa_id;
        requests.push_back(HttpRequest{
            .method = HttpMethod::post,
            .url = url,
            .headers = {{"Content-Type", "application/json"}},
            .body = boost::json::serialize(body),
        });
    }
    return requests;
}

namespace {

using Result = ParseResult<GetCallbackResponse>;

Result parse(std::string_view body, core::Timestamp received_at) {
    const auto document = core::parse_json(body);
    if (!document || !document->is_object()) {
        return Result::failure("GetCallback: the body is not a JSON object");
    }
    const auto& top = document->get_object();
    core::JsonReader fields(top);
    const auto code = fields.integer("Code", 0, 1'000'000);
    if (!code) {
        return Result::failure(fields.ok() ? "GetCallback: no Code in the answer"
                                           : "GetCallback: " + fields.error());
    }
    GetCallbackResponse response;
    response.code = *code;
    response.result = classify_result_code(*code);
    response.message = fields.text("Message", 200).value_or("");

    std::vector<std::string> notes;
    const auto* data = fields.member("Data_callback");
    if (data != nullptr && !data->is_array()) {
        notes.emplace_back("GetCallback: Data_callback is not an array; ignored");
    }
    if (data != nullptr && data->is_array()) {
        std::size_t index = 0;
        for (const auto& entry : data->get_array()) {
            const std::string where = "GetCallback entry " + std::to_string(index++) + ": ";
            if (!entry.is_object()) {
                notes.push_back(where + "not an object; skipped");
                continue;
            }
            std::string error;
            auto record = detail::read_json_record(entry.get_object(), error);
            if (record && record->sms_id.empty()) {
                error = "SMSID is missing";
                record.reset();
            }
            if (!record) {
                notes.push_back(where + error + "; skipped");
                continue;
            }
            response.observations.push_back(
                to_observation(std::move(*record), core::Source::get_callback, received_at,
                               core::to_valid_utf8(detail::serialize_json(entry))));
        }
    }
    return Result::success(std::move(response), std::move(notes));
}

}  // namespace

ParseResult<GetCallbackResponse> parse_get_callback_response(std::string_view body,
                                                             core::Timestamp received_at) noexcept {
    try {
        return parse(body, received_at);
    } catch (...) {
        return Result::out_of_memory();
    }
}

}  // namespace deliveryd::providers::esms
