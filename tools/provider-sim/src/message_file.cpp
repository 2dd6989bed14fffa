#include "message_file.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <boost/json/parse.hpp>

#include "time_format.hpp"

namespace deliveryd::sim {
namespace {

namespace json = boost::json;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw message_file_error(path + ": " + what);
}

const json::value* field(const json::object& o, std::string_view key) {
    return o.if_contains(key);
}

std::string get_string(const json::object& o, std::string_view key, const std::string& path,
                       std::string fallback = {}) {
    const auto* v = field(o, key);
    if (v == nullptr || v->is_null()) {
        return fallback;
    }
    if (v->is_string()) {
        return std::string(v->get_string());
    }
    if (v->is_int64()) {  // ids such as oa_id may be written as numbers
        return std::to_string(v->get_int64());
    }
    if (v->is_uint64()) {
        return std::to_string(v->get_uint64());
    }
    fail(path + "." + std::string(key), "expected a string");
}

std::int64_t get_int(const json::object& o, std::string_view key, const std::string& path,
                     std::int64_t fallback) {
    const auto* v = field(o, key);
    if (v == nullptr || v->is_null()) {
        return fallback;
    }
    if (v->is_int64()) {
        return v->get_int64();
    }
    if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        return static_cast<std::int64_t>(v->get_uint64());
    }
    fail(path + "." + std::string(key), "expected an integer");
}

int get_small_int(const json::object& o, std::string_view key, const std::string& path,
                  int fallback) {
    auto v = get_int(o, key, path, fallback);
    if (v < INT32_MIN || v > INT32_MAX) {
        fail(path + "." + std::string(key), "out of range");
    }
    return static_cast<int>(v);
}

bool get_bool(const json::object& o, std::string_view key, const std::string& path, bool fallback) {
    const auto* v = field(o, key);
    if (v == nullptr || v->is_null()) {
        return fallback;
    }
    if (!v->is_bool()) {
        fail(path + "." + std::string(key), "expected true or false");
    }
    return v->get_bool();
}

double get_double(const json::object& o, std::string_view key, const std::string& path,
                  double fallback) {
    const auto* v = field(o, key);
    if (v == nullptr || v->is_null()) {
        return fallback;
    }
    if (!v->is_number()) {
        fail(path + "." + std::string(key), "expected a number");
    }
    return v->to_number<double>();
}

const json::object& as_object(const json::value& v, const std::string& path) {
    if (!v.is_object()) {
        fail(path, "expected an object");
    }
    return v.get_object();
}

status_event parse_event(const json::value& v, const std::string& path) {
    const auto& o = as_object(v, path);
    status_event e;
    e.at = milliseconds(get_int(o, "at_ms", path, 0));
    e.send_status = get_small_int(o, "send_status", path, -1);
    if (e.send_status != 1 && e.send_status != 2 && e.send_status != 4 && e.send_status != 5 &&
        e.send_status != 7) {
        fail(path + ".send_status", "must be one of 1, 2, 4, 5, 7");
    }
    e.send_success = get_small_int(o, "success", path, 0);
    e.send_failed = get_small_int(o, "failed", path, 0);
    if (o.contains("total_sent")) {
        e.total_sent = get_small_int(o, "total_sent", path, 0);
    }
    if (const auto* err = field(o, "error"); err != nullptr && !err->is_null()) {
        const auto& eo = as_object(*err, path + ".error");
        e.error = zalo_error{get_small_int(eo, "code", path + ".error", 0),
                             get_string(eo, "message", path + ".error")};
    }
    return e;
}

message parse_message(const json::value& v, const std::string& path, sim_time start) {
    const auto& o = as_object(v, path);
    message m;
    m.sms_id = get_string(o, "sms_id", path);
    if (m.sms_id.empty()) {
        fail(path + ".sms_id", "missing");
    }
    auto prov = get_string(o, "provider", path, "esms");
    if (prov == "esms") {
        m.provider = provider_kind::esms;
    } else if (prov == "etelecom") {
        m.provider = provider_kind::etelecom;
    } else {
        fail(path + ".provider", "must be esms or etelecom");
    }
    m.account = get_string(o, "account", path, "default");
    m.type_id = get_small_int(o, "type_id", path, m.provider == provider_kind::esms ? 2 : 0);
    static const std::set<int> known_types{1, 2, 8, 23, 24, 25, 26, 27};
    if (m.provider == provider_kind::esms && !known_types.contains(m.type_id)) {
        fail(path + ".type_id", "unknown eSMS TypeId");
    }
    m.oa_id = get_string(o, "oa_id", path);
    if (m.is_zns() && m.oa_id.empty()) {
        fail(path + ".oa_id", "required for ZNS messages");
    }
    m.phone = get_string(o, "phone", path);
    m.template_id = get_string(o, "template_id", path);
    m.partner_id = get_string(o, "partner_id", path);
    m.zalo_user_id = get_string(o, "zalo_user_id", path);
    m.telco_id = get_small_int(o, "telco_id", path, 1);
    m.price = get_double(o, "price", path, 0.0);
    m.total_receiver = get_small_int(o, "total_receiver", path, 1);
    m.callback = get_bool(o, "callback", path, true);
    m.uid = get_bool(o, "uid", path, false);
    m.error_tail = get_string(o, "error_tail", path);
    if (o.contains("submitted_at")) {
        auto text = get_string(o, "submitted_at", path);
        auto t = parse_rfc3339(text);
        if (!t) {
            fail(path + ".submitted_at", "not an RFC 3339 time");
        }
        m.submitted_at = *t;
    } else {
        m.submitted_at = start + milliseconds(get_int(o, "submitted_ms", path, 0));
    }
    if (const auto* tl = field(o, "timeline"); tl != nullptr && !tl->is_null()) {
        if (!tl->is_array()) {
            fail(path + ".timeline", "expected an array");
        }
        std::size_t i = 0;
        for (const auto& ev : tl->get_array()) {
            m.timeline.push_back(parse_event(ev, path + ".timeline[" + std::to_string(i++) + "]"));
        }
    }
    if (o.contains("delivered_ms") && !o.at("delivered_ms").is_null()) {
        m.delivered_after = milliseconds(get_int(o, "delivered_ms", path, 0));
    }
    if (const auto* s = field(o, "sms"); s != nullptr && !s->is_null()) {
        const auto& so = as_object(*s, path + ".sms");
        sms_fallback f;
        f.brandname = get_string(so, "brandname", path + ".sms", f.brandname);
        f.status = get_string(so, "status", path + ".sms", f.status);
        f.status_description =
            get_string(so, "status_description", path + ".sms", f.status_description);
        f.at = milliseconds(get_int(so, "at_ms", path + ".sms", 0));
        m.sms = f;
    }
    return m;
}

json::object event_to_json(const status_event& e) {
    json::object o;
    o["at_ms"] = e.at.count();
    o["send_status"] = e.send_status;
    o["success"] = e.send_success;
    o["failed"] = e.send_failed;
    if (e.total_sent) {
        o["total_sent"] = *e.total_sent;
    }
    if (e.error) {
        o["error"] = json::object{{"code", e.error->code}, {"message", e.error->message}};
    }
    return o;
}

}  // namespace

std::vector<message> messages_from_json(const json::value& doc, sim_time start) {
    const json::array* list = nullptr;
    if (doc.is_array()) {
        list = &doc.get_array();
    } else if (doc.is_object() && doc.get_object().contains("messages") &&
               doc.get_object().at("messages").is_array()) {
        list = &doc.get_object().at("messages").get_array();
    } else {
        fail("$", "expected {\"messages\": [...]} or an array");
    }
    std::vector<message> out;
    out.reserve(list->size());
    std::set<std::string> seen;
    for (std::size_t i = 0; i < list->size(); ++i) {
        auto path = "$.messages[" + std::to_string(i) + "]";
        out.push_back(parse_message((*list)[i], path, start));
        if (!seen.insert(out.back().sms_id).second) {
            fail(path + ".sms_id", "duplicate id " + out.back().sms_id);
        }
    }
    return out;
}

std::vector<message> load_messages_file(const std::string& path, sim_time start) {
    std::ifstream in(path);
    if (!in) {
        throw message_file_error(path + ": cannot open");
    }
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto doc = json::parse(text.str(), ec);
    if (ec) {
        throw message_file_error(path + ": invalid JSON: " + ec.message());
    }
    return messages_from_json(doc, start);
}

json::value messages_to_json(const std::vector<message>& messages, sim_time start) {
    json::array list;
    for (const auto& m : messages) {
        json::object o;
        o["sms_id"] = m.sms_id;
        o["provider"] = to_string(m.provider);
        o["account"] = m.account;
        if (m.provider == provider_kind::esms) {
            o["type_id"] = m.type_id;
        }
        o["oa_id"] = m.oa_id;
        o["phone"] = m.phone;
        o["template_id"] = m.template_id;
        o["partner_id"] = m.partner_id;
        if (!m.zalo_user_id.empty()) {
            o["zalo_user_id"] = m.zalo_user_id;
        }
        o["telco_id"] = m.telco_id;
        o["price"] = m.price;
        o["total_receiver"] = m.total_receiver;
        o["callback"] = m.callback;
        o["uid"] = m.uid;
        if (!m.error_tail.empty()) {
            o["error_tail"] = m.error_tail;
        }
        o["submitted_ms"] = (m.submitted_at - start).count();
        json::array tl;
        for (const auto& e : m.timeline) {
            tl.push_back(event_to_json(e));
        }
        o["timeline"] = std::move(tl);
        if (m.delivered_after) {
            o["delivered_ms"] = m.delivered_after->count();
        }
        if (m.sms) {
            o["sms"] = json::object{{"brandname", m.sms->brandname},
                                    {"status", m.sms->status},
                                    {"status_description", m.sms->status_description},
                                    {"at_ms", m.sms->at.count()}};
        }
        list.push_back(std::move(o));
    }
    return json::object{{"messages", std::move(list)}};
}

}  // namespace deliveryd::sim
