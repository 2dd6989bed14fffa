// eSMS GetSmsSentData_V2's response body (providers/esms/sms_sent_data.hpp).
// Input: the body.
//
// Invariants beyond "no crash, no leak, no UB, no exception" (it is noexcept):
//  * an error exactly when there is no value (always for a body that is not
//    a JSON object); error and notes are printable, bounded log text;
//  * CodeResult in [0, 1000000], result = classify_result_code(code);
//    observations only with success, at most one per entry, CountTotal >= 0;
//  * each Observation: source sms_sent_data, provider esms, a valid SMSID,
//    observed_at the receive time, never expired, no counters, storable
//    texts, raw a JSON object without Content; a phone only when it reads as
//    one; provider_at only when plausible; unknown_status is absent, an
//    undocumented SendStatus, or "SendResult ..." with SendStatus 5;
//  * deterministic, and the body re-serialised gives the same result but raw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/serialize.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/phone.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/core/time_text.hpp"
#include "deliveryd/providers/esms/sms_id.hpp"
#include "deliveryd/providers/esms/sms_sent_data.hpp"

#include "fuzz_check.hpp"

namespace {

using namespace deliveryd;
using providers::esms::SmsSentDataResponse;
using Result = providers::ParseResult<SmsSentDataResponse>;
using core::StateLabel;

bool same(const Result& a, const Result& b, bool with_raw) {
    if (a.ok() != b.ok() || a.error != b.error || a.notes != b.notes) {
        return false;
    }
    if (!a.ok()) {
        return true;
    }
    const auto& x = *a.value;
    const auto& y = *b.value;
    if (x.code != y.code || x.result != y.result || x.message != y.message ||
        x.count_total != y.count_total || x.entries != y.entries) {
        return false;
    }
    return fuzz::same_reports(x.observations, y.observations, with_raw);
}

Result parse(std::string_view body) {
    return providers::esms::parse_sms_sent_data_response(body, fuzz::received_at);
}

void check_observation(const core::Observation& o) {
    FUZZ_CHECK(o.source == core::Source::sms_sent_data, "source");
    FUZZ_CHECK(o.provider == core::Provider::esms, "provider");
    FUZZ_CHECK(providers::esms::is_valid_sms_id(o.sms_id), o.sms_id);
    FUZZ_CHECK(o.observed_at == fuzz::received_at, "observed_at is the receive time");
    FUZZ_CHECK(o.state != StateLabel::expired && o.state != StateLabel::delivered,
               "a listing of SMS reports no expiry and no handset receipt");
    FUZZ_CHECK(!o.send_success && !o.send_failed && !o.total_sent && !o.total_receiver,
               "counters from a listing");
    FUZZ_CHECK(!o.phone || core::is_vietnamese_phone(*o.phone), "a phone that is not a phone");
    fuzz::check_text(o.phone, fuzz::max_esms_id_text, "phone");
    FUZZ_CHECK(
        !o.provider_at || core::is_plausible_provider_time(*o.provider_at, fuzz::received_at),
        "an implausible SentTime was kept");
    if (o.unknown_status) {
        FUZZ_CHECK(o.unknown_status->starts_with("SendResult ")
                       ? o.send_status == 5 && o.state == StateLabel::sent_to_telco
                       : !fuzz::is_known_send_status(o.send_status) && o.send_status != 0 &&
                             o.state == StateLabel::submitted,
                   "unknown_status does not name the unknown value");
    }
    if (o.state == StateLabel::sent || o.state == StateLabel::failed) {
        FUZZ_CHECK(o.send_status == 5, "an outcome without SendStatus 5");
    }
    const auto raw = core::parse_json(o.raw);
    FUZZ_CHECK(raw && raw->is_object(), "raw is not a JSON object");
    FUZZ_CHECK(core::find_member(raw->get_object(), "Content") == nullptr,
               "the message text was kept");
    FUZZ_CHECK(core::is_valid_utf8(o.raw), "raw is not storable");
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
        const auto& response = *result.value;
        fuzz::check_esms_code(response.code, response.result);
        FUZZ_CHECK(!response.count_total || *response.count_total >= 0, "CountTotal below 0");
        FUZZ_CHECK(response.observations.size() <= response.entries, "more reports than entries");
        if (response.result != providers::esms::ResultClass::success) {
            FUZZ_CHECK(response.observations.empty(), "reports without success");
        }
        for (const auto& o : response.observations) {
            check_observation(o);
        }
    }

    const std::string again = boost::json::serialize(*document);
    if (core::parse_json(again) != document) {
        return 0;
    }
    FUZZ_CHECK(same(result, parse(again), false),
               "the same JSON value spelled differently gave a different result");
    return 0;
}
