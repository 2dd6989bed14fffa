#include "deliveryd/providers/esms/sms_sent_data.hpp"

#include <algorithm>
#include <iterator>
#include <limits>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/phone.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/core/time_text.hpp"
#include "deliveryd/providers/esms/send_status.hpp"
#include "deliveryd/providers/esms/sms_id.hpp"

#include "json_record.hpp"
#include "providers/url_text.hpp"

namespace deliveryd::providers::esms {

HttpRequest build_sms_sent_data_request(std::string_view api_base, const Credentials& credentials,
                                        const SmsSentDataQuery& query) {
    boost::json::object body;
    body["ApiKey"] = credentials.api_key;
    body["SecretKey"] = credentials.secret_key;
    body["SmsType"] = std::to_string(query.sms_type);
    body["From"] = core::format_esms_local_time(query.from);
    body["To"] = core::format_esms_local_time(query.to);
    body["Page"] = query.page;
    body["PageSize"] = sms_sent_data_page_size;
    return HttpRequest{
        .method = HttpMethod::post,
        .url = providers::detail::join_url(api_base, sms_sent_data_path),
        .headers = {{"Content-Type", "application/json"}},
        .body = boost::json::serialize(body),
    };
}

namespace {

using Result = ParseResult<SmsSentDataResponse>;
using core::StateLabel;

constexpr std::size_t max_id_text = 256;

// SendStatus and SendResult as the listing documents them: 0 (composing)
// and 5 (done: look at SendResult) are its own; every other value means what
// it means everywhere (decide_label).
StateLabel label_of(int send_status, std::optional<int> send_result, bool& unknown) {
    unknown = false;
    if (send_status == 0) {
        return StateLabel::submitted;
    }
    if (send_status == 5) {
        if (send_result == 1) {
            return StateLabel::sent;
        }
        if (send_result == 0) {
            return StateLabel::failed;
        }
        // 2 is "undetermined": done at eSMS, the outcome not known yet.
        unknown = send_result != 2;
        return StateLabel::sent_to_telco;
    }
    StatusReport report;
    report.send_status = send_status;
    const auto decision = decide_label(report);
    unknown = decision.unknown_send_status;
    return decision.label;
}

bool is_content(std::string_view key) {
    constexpr std::string_view content = "content";
    return key.size() == content.size() &&
           std::equal(key.begin(), key.end(), content.begin(), [](char a, char b) {
               return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
           });
}

// One SentData entry, or nullopt (with `skipped` saying why) when it names
// no SMSID deliveryd could store; `error` is set when a field is unreadable.
std::optional<core::Observation> read_entry(const boost::json::object& entry,
                                            core::Timestamp received_at, std::string& skipped,
                                            std::string& error) {
    core::JsonReader fields(entry);
    const auto id = fields.text("ReferenceId", max_sms_id_length + 1);
    const auto int32 = [&fields](std::string_view key) {
        return fields.integer(key, std::numeric_limits<int>::min(),
                              std::numeric_limits<int>::max());
    };
    const auto send_status = int32("SendStatus");
    const auto send_result = int32("SendResult");
    const auto type_id = int32("SmsType");
    const auto phone = fields.text("Phone", max_id_text);
    const auto price = fields.price("SellPrice");
    const auto sent_time = fields.text("SentTime", 64);
    if (!fields.ok()) {
        error = fields.error();
        return std::nullopt;
    }
    if (!id || !sms_id_problem(*id).empty()) {
        skipped = "an entry without a usable ReferenceId was skipped";
        return std::nullopt;
    }

    // Field names are matched ignoring case (JsonReader), so is this one.
    boost::json::object kept = entry;
    for (auto it = kept.begin(); it != kept.end();) {
        it = is_content(it->key()) ? kept.erase(it) : std::next(it);
    }
    auto o = core::report_from(core::Source::sms_sent_data, core::Provider::esms, *id, received_at,
                               core::to_valid_utf8(detail::serialize_json(kept)));
    o.type_id = type_id;
    o.send_status = send_status;
    o.total_price = price;
    if (phone && core::is_vietnamese_phone(*phone)) {
        o.phone = phone;
    }
    if (sent_time) {
        const auto at = core::parse_wcf_date(*sent_time);
        if (at && core::is_plausible_provider_time(*at, received_at)) {
            o.provider_at = at;
        }
    }
    if (!send_status) {
        o.state = StateLabel::submitted;
        return o;
    }
    bool unknown = false;
    o.state = label_of(*send_status, send_result, unknown);
    if (unknown) {
        o.unknown_status = *send_status == 5
                               ? "SendResult " + (send_result ? std::to_string(*send_result)
                                                              : std::string("absent"))
                               : std::to_string(*send_status);
    }
    return o;
}

Result parse(std::string_view body, core::Timestamp received_at) {
    const auto document = core::parse_json(body);
    if (!document || !document->is_object()) {
        return Result::failure("GetSmsSentData_V2: the body is not a JSON object");
    }
    core::JsonReader fields(document->get_object());
    const auto code = fields.integer("CodeResult", 0, 1'000'000);
    if (!code) {
        return Result::failure(fields.ok() ? "GetSmsSentData_V2: no CodeResult in the answer"
                                           : "GetSmsSentData_V2: " + fields.error());
    }
    SmsSentDataResponse response;
    response.code = *code;
    response.result = classify_result_code(*code);
    response.message = fields.text("ErrorMessage", 200).value_or("");
    if (response.result != ResultClass::success) {
        return Result::success(std::move(response));
    }
    if (const auto* total = fields.member("CountTotal")) {
        response.count_total =
            core::json_integer(*total, 0, std::numeric_limits<std::int64_t>::max());
        if (!response.count_total) {
            return Result::failure("GetSmsSentData_V2: CountTotal is not a count");
        }
    }
    const auto* list = fields.member("SentData");
    if (list != nullptr && !list->is_array()) {
        return Result::failure("GetSmsSentData_V2: SentData is not a list");
    }
    std::vector<std::string> notes;
    if (list != nullptr) {
        for (const auto& entry : list->get_array()) {
            ++response.entries;
            if (!entry.is_object()) {
                return Result::failure("GetSmsSentData_V2: a SentData entry is not an object");
            }
            std::string skipped;
            std::string error;
            auto o = read_entry(entry.get_object(), received_at, skipped, error);
            if (!error.empty()) {
                return Result::failure("GetSmsSentData_V2: SentData " + error);
            }
            if (o) {
                response.observations.push_back(std::move(*o));
            } else if (notes.empty() || notes.back() != skipped) {
                notes.push_back(std::move(skipped));
            }
        }
    }
    return Result::success(std::move(response), std::move(notes));
}

}  // namespace

ParseResult<SmsSentDataResponse> parse_sms_sent_data_response(
    std::string_view body, core::Timestamp received_at) noexcept {
    try {
        return parse(body, received_at);
    } catch (...) {
        return Result::out_of_memory();
    }
}

}  // namespace deliveryd::providers::esms
