#include "callback_query.hpp"

#include <cstdio>

#include "error_info.hpp"
#include "url_encode.hpp"

namespace deliveryd::sim {
namespace {

class query_builder {
  public:
    void add(std::string_view name, std::string_view encoded_value) {
        if (!out_.empty()) {
            out_ += '&';
        }
        out_ += name;
        out_ += '=';
        out_ += encoded_value;
    }
    void add(std::string_view name, int value) { add(name, std::to_string(value)); }
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

std::string price_text(double price) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4f", price);
    return buf;
}

}  // namespace

std::string callback_query(const callback_event& cb) {
    const message& m = *cb.msg;
    const status_event& e = *cb.event;
    bool zns_success = e.send_status == 5 && e.send_success > 0;
    query_builder q;
    q.add("SMSID", encode_uri_component(m.sms_id));
    q.add("SendFailed", e.send_failed);
    q.add("SendStatus", e.send_status);
    q.add("SendSuccess", e.send_success);
    q.add("TotalPrice", price_text(total_price_of(m, e)));
    q.add("TotalReceiver", m.total_receiver);
    q.add("TotalSent", total_sent_of(m, e));
    q.add("RequestId", "");
    q.add("TypeId", m.type_id);
    auto phone = encode_uri_component(m.phone);
    switch (m.type_id) {
        case 1:
            break;
        case 23:
            q.add("telcoid", m.telco_id);
            q.add("phonenumber", phone);
            break;
        case 24:
        case 25:
            q.add("telcoid", m.telco_id);
            q.add("phonenumber", phone);
            q.add("partnerids", zns_success ? encode_uri_component(m.partner_id) : "");
            q.add("error_info", callback_error_info(m, e, cb.at, cb.delivery));
            q.add("oaid", encode_uri_component(m.oa_id));
            q.add("tempid", encode_uri_component(m.template_id));
            break;
        case 26:
        case 27:
            q.add("phonenumber", phone);
            q.add("error_info", callback_error_info(m, e, cb.at, cb.delivery));
            q.add("oaid", encode_uri_component(m.oa_id));
            q.add("partnerids", zns_success ? encode_uri_component(m.partner_id) : "");
            break;
        default:  // 2, 8
            q.add("telcoid", m.telco_id);
            q.add("phonenumber", phone);
            q.add("switchsmsid", "");
            break;
    }
    return q.take();
}

}  // namespace deliveryd::sim
