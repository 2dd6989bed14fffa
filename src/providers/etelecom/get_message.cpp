#include "deliveryd/providers/etelecom/get_message.hpp"

#include <limits>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/grammar/ci_string.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/core/time_text.hpp"

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

// eTelecom's error code as the error text shows it: Twirp codes are short
// snake_case words, and this text goes to log lines as it is, so any other
// byte (a line break, a control or non-ASCII character) becomes '?'.
std::string printable_code(std::string_view code) {
    std::string out(code);
    for (char& c : out) {
        if (c < ' ' || c > '~') {
            c = '?';
        }
    }
    return out;
}

Result parse(std::string_view body, std::string_view sms_id, core::Timestamp received_at) {
    const auto document = core::parse_json(body);
    if (!document || !document->is_object()) {
        return Result::failure("GetMessage: the body is not a JSON object");
    }
    const auto& top = document->get_object();
    core::JsonReader fields(top);

    const auto msg_id = fields.text("msg_id", max_id_text);
    if (!msg_id && !fields.member("id")) {
        // Twirp-style error {"code":"not_found","msg":"..."}: name the code only.
        const auto code = fields.text("code", 64);
        return Result::failure(code ? "GetMessage: eTelecom error " + printable_code(*code)
                                    : "GetMessage: no message in the answer");
    }

    auto o = core::report_from(core::Source::etelecom_get_message, core::Provider::etelecom,
                               std::string(sms_id), received_at, core::to_valid_utf8(body));
    o.partner_id = msg_id;
    o.oa_id = fields.text("oa_id", max_id_text);
    o.phone = fields.text("phone", max_id_text);
    o.zalo_user_id = fields.text("zl_user_id", max_id_text);
    o.request_id = fields.text("tracking_id", max_id_text);
    o.template_id = fields.text("template_id", max_id_text);
    o.error_code = fields.integer("error_code", std::numeric_limits<int>::min(),
                                  std::numeric_limits<int>::max());
    o.error_message = fields.text("error_message", 1000);
    const auto delivery_status = fields.text("delivery_status", 64);
    const auto delivery_time = fields.rfc3339("delivery_time");
    const auto sent_time = fields.rfc3339("sent_time");
    if (!fields.ok()) {
        return Result::failure("GetMessage: " + fields.error());
    }

    // The docs list unknown / received (and the list filter adds seen); the
    // English page capitalises them, so compare without case.
    const auto is = [&delivery_status](std::string_view word) {
        return delivery_status && boost::urls::grammar::ci_is_equal(*delivery_status, word);
    };
    const bool on_phone = is("received") || is("seen");
    if (delivery_status && !on_phone && !is("unknown")) {
        o.unknown_status = delivery_status;
    }
    if (on_phone) {
        o.state = core::StateLabel::delivered;
        if (delivery_time && core::is_plausible_provider_time(*delivery_time, received_at)) {
            o.delivered_at = delivery_time;
        }
    } else if (o.error_code.value_or(0) != 0) {
        o.state = core::StateLabel::failed;
    } else {
        o.state = sent_time ? core::StateLabel::sent : core::StateLabel::submitted;
    }
    if (o.state != core::StateLabel::failed) {
        // Without a failure the error_message is a placeholder ("string" in the
        // sample next to error_code 0): keep the code, drop the text.
        o.error_message.reset();
    }

    GetMessageResponse response;
    std::vector<std::string> notes;
    if (const auto* sms = fields.member("sms"); sms != nullptr && sms->is_object()) {
        core::JsonReader s(sms->get_object());
        SmsFallback fallback{
            .status = s.text("status", 64),
            .status_description = s.text("status_description", 200),
            .send_time = s.rfc3339("send_time"),
        };
        if (!s.ok()) {
            notes.push_back("GetMessage: sms " + s.error() + "; ignored");
        }
        o.fallback_sms_status = fallback.status;
        o.fallback_sms_at = fallback.send_time;
        response.sms = std::move(fallback);
    }
    response.observation = std::move(o);
    return Result::success(std::move(response), std::move(notes));
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
