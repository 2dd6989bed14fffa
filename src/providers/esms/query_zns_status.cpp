#include "deliveryd/providers/esms/query_zns_status.hpp"

#include <limits>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "deliveryd/core/channel.hpp"
#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/merge.hpp"
#include "deliveryd/core/numbers.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/providers/esms/callback_record.hpp"
#include "deliveryd/providers/esms/send_status.hpp"

#include "json_record.hpp"
#include "providers/url_text.hpp"

namespace deliveryd::providers::esms {

HttpRequest build_query_zns_status_request(std::string_view api_base,
                                           const Credentials& credentials, std::string_view sms_id,
                                           int sms_type) {
    boost::json::object body;
    body["ApiKey"] = credentials.api_key;
    body["SecretKey"] = credentials.secret_key;
    body["SmsId"] = sms_id;
    body["SmsType"] = std::to_string(sms_type);
    return HttpRequest{
        .method = HttpMethod::post,
        .url = providers::detail::join_url(api_base, query_zns_status_path),
        .headers = {{"Content-Type", "application/json"}},
        .body = boost::json::serialize(body),
    };
}

namespace {

using Result = ParseResult<QueryZnsStatusResponse>;

// Zalo codes and eSMS's own 1001 are short; anything longer is not a code.
constexpr std::size_t max_error_info = 200;

// ErrorInfo as text: documented as a string ("0", "1001", a Zalo code) or
// null ("" is read as null); a JSON number is read the same way.
std::optional<std::string> error_info_text(const core::JsonReader& fields) {
    const auto* info = fields.member("ErrorInfo");
    if (info == nullptr) {
        return std::nullopt;
    }
    if (const auto* s = info->if_string()) {
        if (s->empty()) {
            return std::nullopt;
        }
        return core::to_valid_utf8(
            std::string_view(s->data(), s->size()).substr(0, max_error_info));
    }
    if (const auto n = core::json_integer(*info, std::numeric_limits<int>::min(),
                                          std::numeric_limits<int>::max())) {
        return std::to_string(*n);
    }
    return std::nullopt;
}

Result parse(std::string_view body, std::string_view sms_id, core::Timestamp received_at) {
    const auto document = core::parse_json(body);
    if (!document || !document->is_object()) {
        return Result::failure("QueryZnsStatus: the body is not a JSON object");
    }
    core::JsonReader fields(document->get_object());
    const auto code = fields.integer("CodeResult", 0, 1'000'000);
    if (!code) {
        return Result::failure(fields.ok() ? "QueryZnsStatus: no CodeResult in the answer"
                                           : "QueryZnsStatus: " + fields.error());
    }
    QueryZnsStatusResponse response;
    response.code = *code;
    response.result = classify_result_code(*code);
    response.message = fields.text("ErrorMessage", 200).value_or("");
    const auto* data = fields.member("Data");
    if (response.result != ResultClass::success || data == nullptr) {
        return Result::success(std::move(response));
    }
    if (!data->is_object()) {
        return Result::failure("QueryZnsStatus: Data is not an object");
    }

    std::string error;
    auto record = detail::read_json_record(data->get_object(), error);
    if (!record) {
        return Result::failure("QueryZnsStatus: Data " + error);
    }
    if (record->sms_id.empty()) {
        record->sms_id = std::string(sms_id);
    } else if (record->sms_id != sms_id) {
        return Result::failure("QueryZnsStatus: the answer is about another SMSID");
    }
    core::JsonReader d(data->get_object());
    const auto final_status =
        d.integer("FinalStatus", std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
    record->partner_id = d.text("ZaloMsgId", 256);
    const auto info = error_info_text(d);
    if (!d.ok()) {
        return Result::failure("QueryZnsStatus: Data " + d.error());
    }
    // ErrorInfo here is a bare code, not the JSON the callbacks carry: it is
    // read below, not by to_observation. The record reader knows GetCallback's
    // fields too; QueryZnsStatus documents none of these, so a value under
    // such a name is not taken for what it means elsewhere.
    record->error_info.reset();
    record->type_id.reset();
    record->telco_id.reset();
    record->request_id.reset();
    record->phone_number.reset();
    record->oa_id.reset();
    record->template_id.reset();

    auto o = to_observation(*record, core::Source::query_zns_status, received_at,
                            core::to_valid_utf8(body));
    std::vector<std::string> notes;
    const auto by_send_status = decide_label(StatusReport{
        .send_status = record->send_status,
        .send_success = record->send_success,
        .send_failed = record->send_failed,
        .zns = true,
        .zalo_error = std::nullopt,
        .zalo_delivery_status = std::nullopt,
    });
    o.unknown_status.reset();
    if (by_send_status.unknown_send_status) {
        o.unknown_status = std::to_string(*record->send_status);
    }
    if (final_status == 1 && info) {
        const auto zalo_code = core::parse_int(*info);
        if (zalo_code == 0) {
            o.state = core::StateLabel::delivered;
        } else {
            // SendStatus 4 says how it failed more precisely: eSMS refused it.
            o.state = by_send_status.label == core::StateLabel::rejected
                          ? core::StateLabel::rejected
                          : core::StateLabel::failed;
            if (zalo_code) {
                o.error_code = *zalo_code;
            } else {
                o.error_message = *info;
            }
        }
    } else {
        if (final_status && *final_status != 0 && *final_status != 1) {
            o.unknown_status = "FinalStatus " + std::to_string(*final_status);
        }
        o.state = by_send_status.label;
        if (core::is_final_label(o.state, core::Channel::zns)) {
            notes.push_back(
                "QueryZnsStatus: a final SendStatus before the final result; the "
                "state is left for a later answer");
            o.state = core::StateLabel::submitted;
        }
    }
    response.observation = std::move(o);
    return Result::success(std::move(response), std::move(notes));
}

}  // namespace

ParseResult<QueryZnsStatusResponse> parse_query_zns_status_response(
    std::string_view body, std::string_view sms_id, core::Timestamp received_at) noexcept {
    try {
        return parse(body, sms_id, received_at);
    } catch (...) {
        return Result::out_of_memory();
    }
}

}  // namespace deliveryd::providers::esms
