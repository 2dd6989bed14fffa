#include "json_record.hpp"

#include <boost/json/serialize.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/providers/esms/sms_id.hpp"

namespace deliveryd::providers::esms::detail {

namespace {
constexpr std::size_t max_id_text = 256;
}  // namespace

std::optional<CallbackRecord> read_json_record(const boost::json::object& object,
                                               std::string& error) {
    core::JsonReader fields(object);
    CallbackRecord r;
    if (const auto id = fields.text("SMSID", max_sms_id_length + 1)) {
        if (const auto problem = sms_id_problem(*id); !problem.empty()) {
            error = "SMSID " + std::string(problem);
            return std::nullopt;
        }
        r.sms_id = *id;
    }
    r.send_status = fields.count("SendStatus");
    r.send_success = fields.count("SendSuccess");
    r.send_failed = fields.count("SendFailed");
    r.total_receiver = fields.count("TotalReceiver");
    r.total_sent = fields.count("TotalSent");
    r.total_price = fields.price("TotalPrice");
    r.type_id = fields.count("TypeId");
    r.telco_id = fields.count("Telcoid");
    r.request_id = fields.text("RequestId", max_id_text);
    r.phone_number = fields.text("PhoneNumber", max_id_text);
    r.partner_id = fields.text("Partnerids", max_id_text);
    r.oa_id = fields.text("OAId", max_id_text);
    r.template_id = fields.text("ZnsTempId", max_id_text);
    if (const auto* info = fields.member("ErrorInfo")) {
        // Documented as a string; an object is accepted in case a version
        // stops double-encoding it.
        if (const auto* s = info->if_string()) {
            r.error_info = std::string(s->data(), s->size());
        } else if (info->is_object()) {
            r.error_info = boost::json::serialize(*info);
        }
    }
    if (!fields.ok()) {
        error = fields.error();
        return std::nullopt;
    }
    return r;
}

}  // namespace deliveryd::providers::esms::detail
