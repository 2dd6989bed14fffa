// What every fuzz target shares: a check that crashes with a readable reason
// (libFuzzer then saves the input), and the invariants any Observation or
// log text coming out of a provider parser must satisfy.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/numbers.hpp"
#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/phone.hpp"
#include "deliveryd/core/status.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/core/time_text.hpp"
#include "deliveryd/providers/esms/result_code.hpp"
#include "deliveryd/providers/esms/sms_id.hpp"
#include "deliveryd/providers/parse_result.hpp"

namespace deliveryd::fuzz {

[[noreturn]] inline void broken(const char* file, int line, const char* condition,
                                std::string_view what) {
    std::fprintf(stderr, "\n==== invariant broken at %s:%d\n  check: %s\n  what:  %.*s\n", file,
                 line, condition, static_cast<int>(what.size()), what.data());
    std::abort();
}

// Crashes (so libFuzzer keeps the input) when `condition` is false.
#define FUZZ_CHECK(condition, what)                                          \
    do {                                                                     \
        if (!(condition)) {                                                  \
            ::deliveryd::fuzz::broken(__FILE__, __LINE__, #condition, what); \
        }                                                                    \
    } while (false)

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) noexcept {
    return {reinterpret_cast<const char*>(data), size};
}

// The receive time every target passes; parsers must copy it as it is.
inline const core::Timestamp received_at{std::chrono::sys_days{std::chrono::year{2024} / 4 / 24} +
                                         std::chrono::hours{10}};

// The range a provider time may have once read: after the epoch, before 10000.
inline bool plausible_time(core::Timestamp t) noexcept {
    constexpr core::Timestamp last{std::chrono::milliseconds{253'402'300'799'999}};
    return t > core::Timestamp{} && t <= last;
}

// Storable in a PostgreSQL text column (valid UTF-8, no NUL) and within the
// parser's documented length limit.
inline void check_text(const std::optional<std::string>& text, std::size_t max_bytes,
                       const char* field) {
    if (!text) {
        return;
    }
    FUZZ_CHECK(core::is_valid_utf8(*text), field);
    FUZZ_CHECK(text->size() <= max_bytes, field);
}

// Error and note texts go to log lines and HTTP answers as they are: valid
// UTF-8 without control characters (no forged log lines), bounded in size.
inline void check_log_text(const std::string& text) {
    FUZZ_CHECK(!text.empty(), "an empty error or note");
    FUZZ_CHECK(text.size() <= 1024, text);
    FUZZ_CHECK(core::is_valid_utf8(text), text);
    for (const char c : text) {
        FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, text);
    }
}

template <class T>
void check_result_shape(const providers::ParseResult<T>& result) {
    FUZZ_CHECK(result.ok() == result.error.empty(), "error set exactly when there is no value");
    if (!result.ok()) {
        check_log_text(result.error);
        FUZZ_CHECK(result.notes.empty(), "notes on a failure");
    }
    for (const auto& note : result.notes) {
        check_log_text(note);
    }
}

// The opening checks of every JSON answer target: the result is well formed,
// parsing the same body again gives the same result (`same_again` parses
// and compares), and a body that is not a JSON object is refused. Returns the
// document when it is one, for the target's own checks.
template <class T, class SameAgain>
std::optional<boost::json::value> check_json_answer(std::string_view body,
                                                    const providers::ParseResult<T>& result,
                                                    SameAgain same_again) {
    check_result_shape(result);
    FUZZ_CHECK(same_again(), "parsing the same body twice gave different results");
    auto document = core::parse_json(body);
    if (!document || !document->is_object()) {
        FUZZ_CHECK(!result.ok(), "accepted a body that is not a JSON object");
        return std::nullopt;
    }
    return document;
}

// An eSMS answer's result code is in range and classified as the table says.
inline void check_esms_code(int code, providers::esms::ResultClass result_class) {
    FUZZ_CHECK(code >= 0 && code <= 1'000'000, "result code out of range");
    FUZZ_CHECK(result_class == providers::esms::classify_result_code(code),
               "result is not the class of the result code");
}

inline bool is_known_send_status(const std::optional<int>& send_status) noexcept {
    return !send_status || *send_status == 1 || *send_status == 2 || *send_status == 4 ||
           *send_status == 5 || *send_status == 7;
}

// The label an eSMS record must get, written from the contract in
// send_status.hpp and channel.hpp (not by calling decide_label), so that a
// field wired to the wrong input shows.
inline core::StateLabel expected_esms_label(const core::Observation& o) noexcept {
    using core::StateLabel;
    if (o.zalo_status == 1) {
        return StateLabel::delivered;
    }
    const bool zns =
        (o.type_id && *o.type_id >= 24 && *o.type_id <= 27) || (o.oa_id && !o.oa_id->empty());
    const bool zalo_failed = zns && o.error_code && *o.error_code != 0;
    if (!o.send_status) {
        return zalo_failed ? StateLabel::failed : StateLabel::submitted;
    }
    switch (*o.send_status) {
        case 1:
            return StateLabel::pending_approval;
        case 2:
            return StateLabel::waiting;
        case 4:
            return StateLabel::rejected;
        case 7:
            return StateLabel::sent_to_telco;
        case 5:
            return (o.send_failed.value_or(0) > 0 && o.send_success.value_or(0) <= 0) || zalo_failed
                       ? StateLabel::failed
                       : StateLabel::sent;
        default:
            return StateLabel::submitted;
    }
}

// unknown_status names exactly an undocumented SendStatus, else an
// undocumented Zalo data.status (outside -1..1).
inline void check_unknown_status(const core::Observation& o) {
    std::optional<std::string> expected;
    if (!is_known_send_status(o.send_status)) {
        expected = std::to_string(*o.send_status);
    } else if (o.zalo_status && (*o.zalo_status < -1 || *o.zalo_status > 1)) {
        expected = std::to_string(*o.zalo_status);
    }
    FUZZ_CHECK(o.unknown_status == expected, "unknown_status does not name the unknown status");
}

// Longest identity text (phone, ids) the eSMS parsers keep.
inline constexpr std::size_t max_esms_id_text = 256;

// An Observation made from an eSMS status record (callback, GetCallback entry,
// GetSendStatus answer): callback_record.hpp and the parsers' headers.
inline void check_esms_record(const core::Observation& o, core::Source source) {
    FUZZ_CHECK(o.source == source, "source");
    FUZZ_CHECK(o.provider == core::Provider::esms, "provider");
    FUZZ_CHECK(providers::esms::is_valid_sms_id(o.sms_id), o.sms_id);
    FUZZ_CHECK(o.observed_at == received_at, "observed_at is the receive time");
    FUZZ_CHECK(o.state != core::StateLabel::expired, "a parser never reports expired");
    FUZZ_CHECK(o.state == expected_esms_label(o), core::to_string(o.state));

    // Every 32-bit value is a report, negative ones included: an int holds
    // nothing else, so there is no range to check beyond the price's.
    if (o.total_price) {
        FUZZ_CHECK(o.total_price->ten_thousandths >= 0 &&
                       o.total_price->ten_thousandths <= core::max_price_ten_thousandths,
                   "TotalPrice out of numeric(18,4)");
    }
    check_text(o.oa_id, max_esms_id_text, "oa_id");
    check_text(o.phone, max_esms_id_text, "phone");
    FUZZ_CHECK(!o.phone || core::is_vietnamese_phone(*o.phone), "a phone that is not a phone");
    check_unknown_status(o);
    check_text(o.zalo_user_id, max_esms_id_text, "zalo_user_id");
    check_text(o.request_id, max_esms_id_text, "request_id");
    check_text(o.partner_id, max_esms_id_text, "partner_id");
    check_text(o.template_id, max_esms_id_text, "template_id");
    check_text(o.error_message, 1000, "error_message");
    FUZZ_CHECK(core::is_valid_utf8(o.raw), "raw is not storable");

    // TypeId 26/27 report a Zalo user id in phonenumber, never a phone.
    if (o.type_id == 26 || o.type_id == 27) {
        FUZZ_CHECK(!o.phone, "a phone for TypeId 26/27");
    }
    FUZZ_CHECK(!o.zalo_status || (*o.zalo_status >= -1000 && *o.zalo_status <= 1000),
               "zalo_status out of range");
    if (o.delivered_at) {
        FUZZ_CHECK(o.zalo_status == 1, "delivered_at without Zalo status 1");
        FUZZ_CHECK(core::is_plausible_provider_time(*o.delivered_at, received_at),
                   "an implausible delivered_at was kept");
    }
}

// Two parses' reports, one by one; raw compared only `with_raw` (a body
// re-serialised reads the same but is spelled differently).
inline bool same_reports(const std::vector<core::Observation>& a,
                         const std::vector<core::Observation>& b, bool with_raw) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto p = a[i];
        auto q = b[i];
        if (!with_raw) {
            p.raw.clear();
            q.raw.clear();
        }
        if (!(p == q)) {
            return false;
        }
    }
    return true;
}

// An eTelecom message object's report (GetMessage's answer, a ListMessages
// entry): storable texts within their limits; label delivered, failed, sent
// or submitted; failed exactly when not delivered and error_code is
// non-zero; error_message only with failed; delivered_at only with
// delivered; times from 2000 on; no eSMS record fields.
inline void check_etelecom_message(const core::Observation& o) {
    const core::Timestamp year_2000{std::chrono::sys_days{std::chrono::year{2000} / 1 / 1}};
    const auto check_time = [&year_2000](const std::optional<core::Timestamp>& t,
                                         const char* field) {
        FUZZ_CHECK(!t || (*t >= year_2000 && plausible_time(*t)), field);
    };
    FUZZ_CHECK(o.provider == core::Provider::etelecom, "provider");
    FUZZ_CHECK(o.observed_at == received_at, "observed_at is the receive time");
    check_text(o.partner_id, 256, "msg_id");
    check_text(o.oa_id, 256, "oa_id");
    check_text(o.phone, 256, "phone");
    check_text(o.zalo_user_id, 256, "zl_user_id");
    check_text(o.request_id, 256, "tracking_id");
    check_text(o.template_id, 256, "template_id");
    check_text(o.error_message, 1000, "error_message");
    check_text(o.fallback_sms_status, 64, "sms.status");
    check_time(o.fallback_sms_at, "sms.send_time out of range");

    using core::StateLabel;
    FUZZ_CHECK(o.state == StateLabel::delivered || o.state == StateLabel::failed ||
                   o.state == StateLabel::sent || o.state == StateLabel::submitted,
               core::to_string(o.state));
    const bool error = o.error_code.value_or(0) != 0;
    FUZZ_CHECK((o.state == StateLabel::failed) == (o.state != StateLabel::delivered && error),
               "failed is not 'not delivered, with an error code'");
    FUZZ_CHECK(!o.error_message || o.state == StateLabel::failed,
               "an error message without a failure");
    FUZZ_CHECK(!o.delivered_at || o.state == StateLabel::delivered,
               "delivered_at without delivered");
    check_time(o.delivered_at, "delivery_time out of range");
    FUZZ_CHECK(!o.send_status && !o.send_success && !o.send_failed && !o.total_receiver &&
                   !o.total_sent && !o.total_price && !o.telco_id && !o.type_id && !o.zalo_status,
               "a field this answer does not carry");
}

}  // namespace deliveryd::fuzz
