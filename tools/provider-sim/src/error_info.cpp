#include "error_info.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "time_format.hpp"
#include "url_encode.hpp"

namespace deliveryd::sim {
namespace {

namespace json = boost::json;

constexpr const char* on_server_text =
    "The message has been sent to Zalo server but not yet delivered to the user's phone";
constexpr const char* on_phone_text = "The message was delivered to the user's phone";

}  // namespace

std::string zalo_result_json(const message& m, const status_event& e, bool delivered) {
    if (!m.is_zns() || e.send_status != 5) {
        return {};
    }
    zalo_error err = e.error.value_or(zalo_error{e.send_success > 0 ? 0 : -100,
                                                 e.send_success > 0 ? "Success" : "Unknown error"});
    json::object o;
    if (err.code != 0) {
        o["error"] = err.code;
        o["message"] = err.message;
        return json::serialize(o);
    }
    if (m.type_id == 26 || m.type_id == 27) {
        o["data"] = json::object{{"message_id", m.partner_id}, {"user_id", m.zalo_user_id}};
        o["error"] = 0;
        o["message"] = err.message;
        return json::serialize(o);
    }
    o["error"] = 0;
    o["message"] = err.message;
    if (m.uid) {
        o["data"] = json::object{{"delivery_time", nullptr},
                                 {"message", delivered ? on_phone_text : on_server_text},
                                 {"status", delivered ? 1 : 0}};
    } else {
        o["data"] = json::object{{"msg_id", m.partner_id}};
    }
    return json::serialize(o);
}

std::string callback_error_info(const message& m, const status_event& e, sim_time event_time,
                                bool delivered) {
    auto text = zalo_result_json(m, e, delivered);
    if (text.empty()) {
        return {};
    }
    if (m.type_id == 26 || m.type_id == 27) {
        return encode_uri_component(encode_uri(text + "____" + format_vn_suffix(event_time)));
    }
    if (m.uid) {
        return encode_uri_component(text);
    }
    return encode_esms_zns(json::serialize(json::string_view(text)));
}

std::string get_callback_error_info(const message& m, const status_event& e, bool delivered) {
    auto text = zalo_result_json(m, e, delivered);
    if (text.empty()) {
        return {};
    }
    return text + m.error_tail;
}

}  // namespace deliveryd::sim
