// eSMS QueryZnsStatus's response body (providers/esms/query_zns_status.hpp),
// for a question about the SMSID of the answers written from its field list.
// Input: the body.
//
// Invariants beyond "no crash, no leak, no UB, no exception" (it is noexcept):
//  * an error exactly when there is no value (always for a body that is not
//    a JSON object); error and notes are printable, bounded log text;
//  * CodeResult in [0, 1000000], result = classify_result_code(code); an
//    Observation only with success;
//  * the Observation: source query_zns_status, provider esms, the SMSID
//    asked about, storable texts, raw = the body made valid UTF-8; never
//    expired; delivered carries no error; failed and rejected carry the
//    code or its text; a code is never 0 (success is no error);
//    unknown_status is absent, "FinalStatus <n>" or an undocumented
//    SendStatus;
//  * deterministic, and the body re-serialised gives the same result but raw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/serialize.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/providers/esms/query_zns_status.hpp"

#include "fuzz_check.hpp"

namespace {

using namespace deliveryd;
using providers::esms::QueryZnsStatusResponse;
using Result = providers::ParseResult<QueryZnsStatusResponse>;
using core::StateLabel;

constexpr std::string_view asked = "b1c2e7a4-93f1-4c4e-8d55-0f7e61c2a9d1101";

bool same(const Result& a, const Result& b, bool with_raw) {
    if (a.ok() != b.ok() || a.error != b.error || a.notes != b.notes) {
        return false;
    }
    if (!a.ok()) {
        return true;
    }
    if (a.value->code != b.value->code || a.value->result != b.value->result ||
        a.value->message != b.value->message ||
        a.value->observation.has_value() != b.value->observation.has_value()) {
        return false;
    }
    if (!a.value->observation) {
        return true;
    }
    auto x = *a.value->observation;
    auto y = *b.value->observation;
    if (!with_raw) {
        x.raw.clear();
        y.raw.clear();
    }
    return x == y;
}

Result parse(std::string_view body) {
    return providers::esms::parse_query_zns_status_response(body, asked, fuzz::received_at);
}

void check_observation(const core::Observation& o, std::string_view body) {
    FUZZ_CHECK(o.source == core::Source::query_zns_status, "source");
    FUZZ_CHECK(o.provider == core::Provider::esms, "provider");
    FUZZ_CHECK(o.sms_id == asked, "an observation about another SMSID");
    FUZZ_CHECK(o.observed_at == fuzz::received_at, "observed_at is the receive time");
    FUZZ_CHECK(o.raw == core::to_valid_utf8(body), "raw is not the body");
    FUZZ_CHECK(o.state != StateLabel::expired, "a parser never reports expired");
    FUZZ_CHECK(o.error_code != 0, "success reported as an error");
    if (o.state == StateLabel::delivered) {
        FUZZ_CHECK(!o.error_code && !o.error_message, "delivered with an error");
    }
    if (o.state == StateLabel::failed || o.state == StateLabel::rejected) {
        FUZZ_CHECK(o.error_code.has_value() != o.error_message.has_value(),
                   "a failure without its code, or with both a code and a text");
    } else {
        FUZZ_CHECK(!o.error_code && !o.error_message, "an error on a state that is no failure");
    }
    if (o.unknown_status) {
        const bool final_status = o.unknown_status->starts_with("FinalStatus ");
        FUZZ_CHECK(final_status || !fuzz::is_known_send_status(o.send_status),
                   "unknown_status names a documented value");
    } else {
        FUZZ_CHECK(fuzz::is_known_send_status(o.send_status), "an unknown SendStatus not named");
    }
    fuzz::check_text(o.partner_id, fuzz::max_esms_id_text, "partner_id");
    fuzz::check_text(o.error_message, 1000, "error_message");
    if (o.total_price) {
        FUZZ_CHECK(o.total_price->ten_thousandths >= 0 &&
                       o.total_price->ten_thousandths <= core::max_price_ten_thousandths,
                   "TotalPrice out of numeric(18,4)");
    }
    FUZZ_CHECK(!o.phone && !o.zalo_user_id && !o.delivered_at, "fields QueryZnsStatus has not");
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
        fuzz::check_text(std::optional(response.message), 200, "ErrorMessage");
        if (response.observation) {
            FUZZ_CHECK(response.result == providers::esms::ResultClass::success,
                       "an observation without success");
            check_observation(*response.observation, body);
        } else {
            FUZZ_CHECK(result.notes.empty(), "notes without an observation");
        }
    }

    // Only when the text reads back as the same value (see fuzz_get_send_status).
    const std::string again = boost::json::serialize(*document);
    if (core::parse_json(again) != document) {
        return 0;
    }
    FUZZ_CHECK(same(result, parse(again), false),
               "the same JSON value spelled differently gave a different result");
    return 0;
}
