// eSMS GetSendStatus's response body (providers/esms/get_send_status.hpp),
// for a question about the SMSID of the provider's sample. Input: the body.
//
// Invariants beyond "no crash, no leak, no UB, no exception" (it is noexcept):
//  * an error exactly when there is no value (always for a body that is not
//    a JSON object); error and notes are printable, bounded log text;
//  * CodeResponse in [0, 1000000], result = classify_result_code(code), an
//    Observation exactly when the class is success;
//  * the Observation is a valid eSMS record (storable texts, the
//    contract's label, ...) with source get_send_status, the SMSID asked
//    about (an answer about another id is an error) and raw = the body made
//    valid UTF-8; a note exactly when SendStatus is unknown;
//  * deterministic, and the body re-serialised gives the same result but raw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/serialize.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/providers/esms/get_send_status.hpp"

#include "fuzz_check.hpp"

namespace {

using namespace deliveryd;
using providers::esms::GetSendStatusResponse;
using Result = providers::ParseResult<GetSendStatusResponse>;

// The id of the provider's sample answer (seed 002).
constexpr std::string_view asked = "434a124c-7818-4f45-bdf2-7f7b07fff210100";

bool same(const Result& a, const Result& b, bool with_raw) {
    if (a.ok() != b.ok() || a.error != b.error || a.notes != b.notes) {
        return false;
    }
    if (!a.ok()) {
        return true;
    }
    if (a.value->code != b.value->code || a.value->result != b.value->result ||
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
    return providers::esms::parse_get_send_status_response(body, asked, fuzz::received_at);
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
        FUZZ_CHECK(response.observation.has_value() ==
                       (response.result == providers::esms::ResultClass::success),
                   "an observation without success, or success without one");
        if (response.observation) {
            const auto& o = *response.observation;
            fuzz::check_esms_record(o, core::Source::get_send_status);
            FUZZ_CHECK(o.sms_id == asked, "an observation about another SMSID");
            FUZZ_CHECK(o.raw == core::to_valid_utf8(body), "raw is not the body");
        } else {
            FUZZ_CHECK(result.notes.empty(), "notes without an observation");
        }
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
