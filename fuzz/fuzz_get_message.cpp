// eTelecom Zalo Cloud GetMessage's response body
// (providers/etelecom/get_message.hpp). Input: the body.
//
// Invariants beyond "no crash, no leak, no UB, no exception" (it is noexcept):
//  * an error exactly when there is no value (always for a body that is not
//    a JSON object); error and notes are printable, bounded log text;
//  * the Observation: source etelecom_get_message, provider etelecom, our
//    sms_id, raw = the body made valid UTF-8, storable texts within their
//    limits; label delivered, failed, sent or submitted; failed exactly when
//    not delivered and error_code is non-zero; error_message only with
//    failed; delivered_at only with delivered; times from 2000 on; no eSMS
//    record fields;
//  * the fallback SMS: storable texts within their limits, time from 2000 on;
//  * deterministic, and the body re-serialised gives the same result but raw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/serialize.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/providers/etelecom/get_message.hpp"

#include "fuzz_check.hpp"

namespace {

using namespace deliveryd;
using providers::etelecom::GetMessageResponse;
using Result = providers::ParseResult<GetMessageResponse>;

constexpr std::string_view sms_id = "etelecom-4f0c2a9e-6d1b-4e8f-9a57-3c2d1e0f9b88";

Result parse(std::string_view body) {
    return providers::etelecom::parse_get_message_response(body, sms_id, fuzz::received_at);
}

bool same(const Result& a, const Result& b, bool with_raw) {
    if (a.ok() != b.ok() || a.error != b.error || a.notes != b.notes) {
        return false;
    }
    if (!a.ok()) {
        return true;
    }
    auto x = a.value->observation;
    auto y = b.value->observation;
    if (!with_raw) {
        x.raw.clear();
        y.raw.clear();
    }
    return x == y && a.value->sms == b.value->sms;
}

void check_response(const GetMessageResponse& response, std::string_view body) {
    const auto& o = response.observation;
    FUZZ_CHECK(o.source == core::Source::etelecom_get_message, "source");
    FUZZ_CHECK(o.sms_id == sms_id, "sms_id is not ours");
    FUZZ_CHECK(o.raw == core::to_valid_utf8(body), "raw is not the body");
    fuzz::check_etelecom_message(o);
    if (response.sms) {
        fuzz::check_text(response.sms->status, 64, "sms.status");
        fuzz::check_text(response.sms->status_description, 200, "sms.status_description");
        FUZZ_CHECK(response.sms->send_time == o.fallback_sms_at, "sms.send_time");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body = fuzz::as_text(data, size);
    const auto result = parse(body);
    const auto document =
        fuzz::check_json_answer(body, result, [&] { return same(result, parse(body), true); });
    if (!document) {
        return 0;
    }
    if (result.ok()) {
        check_response(*result.value, body);
    }

    // Only when the text reads back as the same value: Boost.JSON 1.81 reads
    // numbers of more than 19 digits imprecisely (not correctly rounded), and
    // writes an out-of-range number (read as an infinity) as `Infinity`.
    const std::string again = boost::json::serialize(*document);
    if (core::parse_json(again) != document) {
        return 0;
    }
    FUZZ_CHECK(same(result, parse(again), false),
               "the same JSON value spelled differently gave a different result");
    return 0;
}
