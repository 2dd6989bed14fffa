// eSMS GetZaloMessageStatus's response body
// (providers/esms/zalo_message_status.hpp). Input: the body; its length's
// parity decides whether the row asked about knows its OA id and Zalo
// message id (odd: both empty), so both ways are exercised.
//
// Invariants beyond "no crash, no leak, no UB, no exception" (it is noexcept):
//  * an error exactly when there is no value (always for a body that is not
//    a JSON object); error and notes are printable, bounded log text;
//  * CodeResult in [0, 1000000], result = classify_result_code(code),
//    ErrorMessage storable within 200 bytes; no observation unless success,
//    and always one with success;
//  * the Observation: source zalo_status, provider esms, the row's sms_id,
//    oa_id and partner_id (= message id) as given, raw = the body made valid
//    UTF-8, zalo_status 1 / 0 / -1 with label delivered / sent / submitted,
//    any other value submitted and named in unknown_status, delivered_at
//    only when delivered, message_found exactly when status is not -1, and
//    no eSMS record fields;
//  * deterministic, and the body re-serialised gives the same result but raw.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/serialize.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/core/time_text.hpp"
#include "deliveryd/providers/esms/zalo_message_status.hpp"

#include "fuzz_check.hpp"

namespace {

using namespace deliveryd;
using providers::esms::ZaloMessageStatusResponse;
using Result = providers::ParseResult<ZaloMessageStatusResponse>;

constexpr std::string_view sms_id = "f66545d2-c7e2-4603-984e-d2238c363c8292";

struct Row {
    std::string_view oa_id;
    std::string_view message_id;
};

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
        x.message_found != y.message_found ||
        x.observation.has_value() != y.observation.has_value()) {
        return false;
    }
    if (!x.observation) {
        return true;
    }
    auto p = *x.observation;
    auto q = *y.observation;
    if (!with_raw) {
        p.raw.clear();
        q.raw.clear();
    }
    return p == q;
}

std::optional<std::string> given(std::string_view text) {
    return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

void check_observation(const ZaloMessageStatusResponse& response, const Row& row,
                       std::string_view body) {
    const auto& o = *response.observation;
    FUZZ_CHECK(o.source == core::Source::zalo_status, "source");
    FUZZ_CHECK(o.provider == core::Provider::esms, "provider");
    FUZZ_CHECK(o.sms_id == sms_id, "sms_id is not the row's");
    FUZZ_CHECK(o.oa_id == given(row.oa_id), "oa_id is not the row's");
    FUZZ_CHECK(o.partner_id == given(row.message_id), "partner_id is not the message id");
    FUZZ_CHECK(o.observed_at == fuzz::received_at, "observed_at is the receive time");
    FUZZ_CHECK(o.raw == core::to_valid_utf8(body), "raw is not the body");
    FUZZ_CHECK(o.zalo_status.has_value(), "no zalo_status");
    const bool documented = *o.zalo_status >= -1 && *o.zalo_status <= 1;
    FUZZ_CHECK(o.unknown_status ==
                   (documented ? std::nullopt : std::optional(std::to_string(*o.zalo_status))),
               "unknown_status does not name an undocumented status");
    const auto expected = *o.zalo_status == 1   ? core::StateLabel::delivered
                          : *o.zalo_status == 0 ? core::StateLabel::sent
                                                : core::StateLabel::submitted;
    FUZZ_CHECK(o.state == expected, core::to_string(o.state));
    FUZZ_CHECK(response.message_found == (*o.zalo_status != -1), "message_found");
    if (o.delivered_at) {
        FUZZ_CHECK(o.state == core::StateLabel::delivered, "delivered_at without delivered");
        FUZZ_CHECK(core::is_plausible_provider_time(*o.delivered_at, fuzz::received_at),
                   "an implausible delivered_at was kept");
    }
    FUZZ_CHECK(!o.send_status && !o.send_success && !o.send_failed && !o.total_receiver &&
                   !o.total_sent && !o.total_price && !o.telco_id && !o.type_id && !o.phone &&
                   !o.zalo_user_id && !o.request_id && !o.template_id && !o.error_code &&
                   !o.error_message,
               "a field this answer does not carry");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body = fuzz::as_text(data, size);
    const Row row = size % 2 == 0 ? Row{"1397492183140006179", "e1a60e8890be9de4c4ab"} : Row{};
    const auto parse = [&](std::string_view text) {
        return providers::esms::parse_zalo_message_status_response(
            text, sms_id, row.oa_id, row.message_id, fuzz::received_at);
    };
    const auto result = parse(body);
    const auto document =
        fuzz::check_json_answer(body, result, [&] { return same(result, parse(body), true); });
    if (!document) {
        return 0;
    }
    if (result.ok()) {
        const auto& response = *result.value;
        fuzz::check_esms_code(response.code, response.result);
        fuzz::check_text(response.message, 200, "ErrorMessage");
        const bool success = response.result == providers::esms::ResultClass::success;
        FUZZ_CHECK(response.observation.has_value() == success,
                   "an observation without success, or success without one");
        if (response.observation) {
            check_observation(response, row, body);
        } else {
            FUZZ_CHECK(!response.message_found, "message_found without an observation");
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
