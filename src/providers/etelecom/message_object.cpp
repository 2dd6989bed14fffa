#include "providers/etelecom/message_object.hpp"

#include <limits>

#include <boost/url/grammar/ci_string.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/time_text.hpp"

namespace deliveryd::providers::etelecom::detail {
namespace {

constexpr std::size_t max_id_text = 256;

}  // namespace

std::string printable_code(std::string_view code) {
    std::string out(code);
    for (char& c : out) {
        if (c < ' ' || c > '~') {
            c = '?';
        }
    }
    return out;
}

std::optional<MessageObject> read_message_object(const boost::json::object& object,
                                                 core::Observation o, std::string& error,
                                                 std::vector<std::string>& notes) {
    core::JsonReader fields(object);
    o.partner_id = fields.text("msg_id", max_id_text);
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
        error = fields.error();
        return std::nullopt;
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
        if (delivery_time && core::is_plausible_provider_time(*delivery_time, o.observed_at)) {
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

    MessageObject read;
    if (const auto* sms = fields.member("sms"); sms != nullptr && sms->is_object()) {
        core::JsonReader s(sms->get_object());
        SmsFallback fallback{
            .status = s.text("status", 64),
            .status_description = s.text("status_description", 200),
            .send_time = s.rfc3339("send_time"),
        };
        if (!s.ok()) {
            notes.push_back("sms " + s.error() + "; ignored");
        }
        o.fallback_sms_status = fallback.status;
        o.fallback_sms_at = fallback.send_time;
        read.sms = std::move(fallback);
    }
    read.observation = std::move(o);
    return read;
}

}  // namespace deliveryd::providers::etelecom::detail
