#include "json_record.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/json/serialize.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/providers/esms/sms_id.hpp"

namespace deliveryd::providers::esms::detail {

namespace {

constexpr std::size_t max_id_text = 256;

bool has_non_finite(const boost::json::value& value) noexcept {
    if (const auto* d = value.if_double()) {
        return !std::isfinite(*d);
    }
    if (const auto* array = value.if_array()) {
        return std::any_of(array->begin(), array->end(), has_non_finite);
    }
    if (const auto* object = value.if_object()) {
        return std::any_of(object->begin(), object->end(),
                           [](const auto& member) { return has_non_finite(member.value()); });
    }
    return false;
}

void null_non_finite(boost::json::value& value) noexcept {
    if (const auto* d = value.if_double(); d != nullptr && !std::isfinite(*d)) {
        value = nullptr;
    } else if (auto* array = value.if_array()) {
        std::for_each(array->begin(), array->end(), null_non_finite);
    } else if (auto* object = value.if_object()) {
        for (auto& member : *object) {
            null_non_finite(member.value());
        }
    }
}

}  // namespace

std::string serialize_json(const boost::json::value& value) {
    if (!has_non_finite(value)) {
        return boost::json::serialize(value);
    }
    boost::json::value copy = value;
    null_non_finite(copy);
    return boost::json::serialize(copy);
}

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
    // Every 32-bit value is read as reported, negative and undocumented ones
    // included: the entry is stored, and to_observation decides what it means.
    const auto int32 = [&fields](std::string_view key) {
        return fields.integer(key, std::numeric_limits<int>::min(),
                              std::numeric_limits<int>::max());
    };
    r.send_status = int32("SendStatus");
    r.send_success = int32("SendSuccess");
    r.send_failed = int32("SendFailed");
    r.total_receiver = int32("TotalReceiver");
    r.total_sent = int32("TotalSent");
    r.total_price = fields.price("TotalPrice");
    r.type_id = int32("TypeId");
    r.telco_id = int32("Telcoid");
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
            r.error_info = serialize_json(*info);
        }
    }
    if (!fields.ok()) {
        error = fields.error();
        return std::nullopt;
    }
    return r;
}

}  // namespace deliveryd::providers::esms::detail
