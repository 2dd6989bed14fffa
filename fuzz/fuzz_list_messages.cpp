// eTelecom Zalo Cloud ListMessages's response body
// (providers/etelecom/list_messages.hpp). Input: the body.
//
// Invariants beyond "no crash, no leak, no UB, no exception" (it is noexcept):
//  * an error exactly when there is no value (always for a body that is not
//    a JSON object); error and notes are printable, bounded log text;
//  * at most one Observation per message; the next cursor bounded text;
//  * each Observation: source etelecom_list_messages, provider etelecom,
//    named by its msg_id (sms_id = partner_id) or else only by a tracking_id
//    (empty sms_id, no partner_id); raw a JSON object, storable; storable
//    texts within their limits; label delivered, failed, sent or submitted;
//    failed exactly when not delivered and error_code is non-zero;
//    error_message only with failed; delivered_at only with delivered;
//    times from 2000 on; no eSMS record fields;
//  * deterministic, and the body re-serialised gives the same result but raw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/serialize.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/providers/etelecom/list_messages.hpp"

#include "fuzz_check.hpp"

namespace {

using namespace deliveryd;
using providers::etelecom::ListMessagesResponse;
using Result = providers::ParseResult<ListMessagesResponse>;

Result parse(std::string_view body) {
    return providers::etelecom::parse_list_messages_response(body, fuzz::received_at);
}

bool same(const Result& a, const Result& b, bool with_raw) {
    if (a.ok() != b.ok() || a.error != b.error || a.notes != b.notes) {
        return false;
    }
    if (!a.ok()) {
        return true;
    }
    const auto& x = *a.value;
    const auto& y = *b.value;
    if (x.entries != y.entries || x.next != y.next) {
        return false;
    }
    return fuzz::same_reports(x.observations, y.observations, with_raw);
}

void check_observation(const core::Observation& o) {
    FUZZ_CHECK(o.source == core::Source::etelecom_list_messages, "source");
    if (o.sms_id.empty()) {
        FUZZ_CHECK(!o.partner_id && o.request_id && !o.request_id->empty(),
                   "a message named by nothing");
    } else {
        FUZZ_CHECK(o.partner_id == o.sms_id, "sms_id is not the msg_id");
    }
    fuzz::check_etelecom_message(o);
    const auto raw = core::parse_json(o.raw);
    FUZZ_CHECK(raw && raw->is_object(), "raw is not a JSON object");
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
        const auto& page = *result.value;
        FUZZ_CHECK(page.observations.size() <= page.entries, "more reports than messages");
        FUZZ_CHECK(page.next.size() <= 4096, "a cursor longer than its limit");
        FUZZ_CHECK(core::is_valid_utf8(page.next), "the cursor is not text");
        for (const auto& o : page.observations) {
            check_observation(o);
        }
    }

    // Only when the text reads back as the same value (fuzz_get_message.cpp
    // says why).
    const std::string again = boost::json::serialize(*document);
    if (core::parse_json(again) != document) {
        return 0;
    }
    FUZZ_CHECK(same(result, parse(again), false),
               "the same JSON value spelled differently gave a different result");
    return 0;
}
