// eSMS GetCallback's response body (providers/esms/get_callback.hpp).
// Input: the body.
//
// Invariants beyond "no crash, no leak, no UB, no exception" (it is noexcept):
//  * an error exactly when there is no value, and only for a body that is
//    not a JSON object; error and notes are printable, bounded log text;
//  * Code in [0, 1000000], result = classify_result_code(Code), Message
//    storable within 200 bytes;
//  * every Observation is a valid eSMS record (valid SMSID,
//    storable texts, the contract's label, ...) with source get_callback and
//    raw a storable JSON object; no more of them than Data_callback entries;
//  * deterministic, and a function of the JSON value only: the body
//    re-serialised (other spacing, escapes, number spelling, duplicate keys
//    gone) gives the same result.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/serialize.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/providers/esms/get_callback.hpp"

#include "fuzz_check.hpp"

namespace {

using namespace deliveryd;
using providers::esms::GetCallbackResponse;
using Result = providers::ParseResult<GetCallbackResponse>;

bool same(const Result& a, const Result& b) {
    if (a.ok() != b.ok() || a.error != b.error || a.notes != b.notes) {
        return false;
    }
    if (!a.ok()) {
        return true;
    }
    return a.value->code == b.value->code && a.value->result == b.value->result &&
           a.value->message == b.value->message && a.value->observations == b.value->observations;
}

const boost::json::array* entries(const boost::json::value& document) {
    const auto* data = core::find_member(document.get_object(), "Data_callback");
    return data != nullptr ? data->if_array() : nullptr;
}

// What raw must be for an entry: the entry as JSON, a number beyond a
// double's range (read as an infinity) written as null.
void null_infinities(boost::json::value& value) {
    if (const auto* d = value.if_double(); d != nullptr && !std::isfinite(*d)) {
        value = nullptr;
    } else if (auto* array = value.if_array()) {
        for (auto& element : *array) {
            null_infinities(element);
        }
    } else if (auto* object = value.if_object()) {
        for (auto& member : *object) {
            null_infinities(member.value());
        }
    }
}

std::string entry_as_json(const boost::json::value& entry) {
    boost::json::value copy = entry;
    null_infinities(copy);
    return core::to_valid_utf8(boost::json::serialize(copy));
}

// An ErrorInfo given as a JSON object (accepted in case eSMS stops
// double-encoding it) must count as that object: its integer "error" is the
// error code, as parse_error_info reads it from the equivalent text.
void check_error_info_object(const boost::json::object& entry, const core::Observation& o) {
    const auto* info = core::find_member(entry, "ErrorInfo");
    if (info == nullptr || !info->is_object()) {
        return;
    }
    const auto* error = core::find_member(info->get_object(), "error");
    if (error == nullptr) {
        return;
    }
    if (const auto code = core::json_integer(*error, std::numeric_limits<int>::min(),
                                             std::numeric_limits<int>::max())) {
        FUZZ_CHECK(o.error_code == code, "the error of an ErrorInfo object was lost");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body = fuzz::as_text(data, size);
    const auto parse = [](std::string_view text) {
        return providers::esms::parse_get_callback_response(text, fuzz::received_at);
    };
    const auto result = parse(body);
    const auto document =
        fuzz::check_json_answer(body, result, [&] { return same(result, parse(body)); });
    if (!document) {
        return 0;
    }
    if (result.ok()) {
        const auto& response = *result.value;
        fuzz::check_esms_code(response.code, response.result);
        fuzz::check_text(response.message, 200, "Message");
        const auto* array = entries(*document);
        FUZZ_CHECK(response.observations.size() <= (array != nullptr ? array->size() : 0),
                   "more observations than entries");
        // Observations come in entry order, each with raw = its entry.
        std::size_t next = 0;
        for (std::size_t k = 0; array != nullptr && k < array->size(); ++k) {
            const auto& entry = (*array)[k];
            if (next < response.observations.size() && entry.is_object() &&
                response.observations[next].raw == entry_as_json(entry)) {
                check_error_info_object(entry.get_object(), response.observations[next]);
                ++next;
            }
        }
        FUZZ_CHECK(next == response.observations.size(), "an observation not from an entry");
        for (const auto& o : response.observations) {
            fuzz::check_esms_record(o, core::Source::get_callback);
            const auto raw = core::parse_json(o.raw);
            FUZZ_CHECK(raw && raw->is_object(), "raw is not the entry as JSON");
        }
    }

    // Only when the text reads back as the same value: Boost.JSON 1.81 reads
    // numbers of more than 19 digits imprecisely (not correctly rounded), and
    // writes an out-of-range number (read as an infinity) as `Infinity`.
    const std::string again = boost::json::serialize(*document);
    if (core::parse_json(again) != document) {
        return 0;
    }
    FUZZ_CHECK(same(result, parse(again)),
               "the same JSON value spelled differently gave a different result");
    return 0;
}
