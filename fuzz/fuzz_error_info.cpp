// core::parse_error_info (core/error_info.hpp): eSMS's error_info / ErrorInfo
// after the transport's own decoding. Input: that text.
//
// Invariants beyond "no crash, no leak, no UB, no exception" (it is noexcept):
//  * every text is storable (valid UTF-8, no NUL) and within its limit
//    (error_message and trailing 1000 bytes, data ids 128); data.status in
//    [-1000, 1000]; times in range;
//  * nothing JSON-derived (error code, data) without a JSON object;
//    blank input gives an empty ErrorInfo; the stamp needs its "____" marker;
//  * deterministic;
//  * the documented wrappings are transparent: wrapping a text that needs no
//    unwrapping in a JSON string literal, or percent-encoding all of it,
//    gives the same ErrorInfo.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include "deliveryd/core/error_info.hpp"
#include "deliveryd/core/text.hpp"

#include "fuzz_check.hpp"

namespace {

using namespace deliveryd;

std::string_view trim(std::string_view s) {
    constexpr std::string_view blanks = " \t\r\n";
    const auto first = s.find_first_not_of(blanks);
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

std::string percent_encode_all(std::string_view text) {
    constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3);
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        out += '%';
        out += hex[byte >> 4];
        out += hex[byte & 0x0F];
    }
    return out;
}

void check_fields(const core::ErrorInfo& info, std::string_view input) {
    fuzz::check_text(info.error_message, core::max_error_text_bytes, "error_message");
    fuzz::check_text(info.trailing, core::max_error_text_bytes, "trailing");
    fuzz::check_text(info.data.message_id, 128, "data.message_id");
    fuzz::check_text(info.data.user_id, 128, "data.user_id");
    fuzz::check_text(info.data.message, core::max_error_text_bytes, "data.message");
    FUZZ_CHECK(!info.data.status || (*info.data.status >= -1000 && *info.data.status <= 1000),
               "data.status out of range");
    if (info.data.delivery_time) {
        FUZZ_CHECK(fuzz::plausible_time(*info.data.delivery_time), "delivery_time out of range");
    }
    if (!info.is_json) {
        FUZZ_CHECK(!info.error_code, "an error code without a JSON object");
        FUZZ_CHECK(info.data == core::ZaloData{}, "data without a JSON object");
    }
    if (info.stamped_at) {
        // The "____" marker, maybe behind a percent or JSON escape.
        FUZZ_CHECK(input.find("____") != input.npos || input.find('%') != input.npos ||
                       input.find('\\') != input.npos,
                   "a stamp without its marker");
    }
    if (trim(input).empty()) {
        FUZZ_CHECK(info == core::ErrorInfo{}, "blank input gave something");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::as_text(data, size);
    const auto info = core::parse_error_info(input);
    check_fields(info, input);
    FUZZ_CHECK(info == core::parse_error_info(input), "parsing twice gave different results");

    // A text that is final at the first level (JSON object or plain text,
    // not a string literal or percent-encoded) must read the same once
    // wrapped in either way the provider wraps it.
    const std::string_view core_text = trim(input);
    if (!core_text.empty() && core_text.front() != '"' && core_text.front() != '%' &&
        core::is_valid_utf8(core_text)) {
        const std::string as_json_string =
            boost::json::serialize(boost::json::string(core_text.data(), core_text.size()));
        FUZZ_CHECK(core::parse_error_info(as_json_string) == info,
                   "wrapping in a JSON string changed the result");
        const std::string percent_encoded = percent_encode_all(core_text);
        FUZZ_CHECK(core::parse_error_info(percent_encoded) == info,
                   "percent-encoding changed the result");
    }
    return 0;
}
