#include "deliveryd/providers/esms/callback_query.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include <boost/url/encode.hpp>
#include <boost/url/grammar/ci_string.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/rfc/pchars.hpp>

#include "deliveryd/core/numbers.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/providers/esms/callback_record.hpp"
#include "deliveryd/providers/esms/sms_id.hpp"

namespace deliveryd::providers::esms {
namespace {

namespace urls = boost::urls;

enum Field : std::size_t {
    sms_id,
    send_failed,
    send_status,
    send_success,
    total_price,
    total_receiver,
    total_sent,
    request_id,
    type_id,
    telco_id,
    phone_number,
    partner_ids,
    error_info,
    oa_id,
    temp_id,
    field_count
};

// Names as the provider documents them; matched ignoring case.
constexpr std::array<std::string_view, field_count> field_names{
    "SMSID",         "SendFailed", "SendStatus", "SendSuccess", "TotalPrice",
    "TotalReceiver", "TotalSent",  "RequestId",  "TypeId",      "telcoid",
    "phonenumber",   "partnerids", "error_info", "oaid",        "tempid",
};

// Longest identity text kept; real values are under 60 bytes.
constexpr std::size_t max_id_text = 256;

std::optional<Field> field_of(std::string_view name) noexcept {
    for (std::size_t i = 0; i < field_count; ++i) {
        if (urls::grammar::ci_is_equal(name, field_names[i])) {
            return static_cast<Field>(i);
        }
    }
    return std::nullopt;
}

// A short, printable rendering of a bad value for the error text.
std::string quoted(std::string_view value) {
    constexpr std::size_t shown = 40;
    std::string out = "'";
    for (const char c : value.substr(0, shown)) {
        out += c >= ' ' && c <= '~' ? c : '?';
    }
    return out + (value.size() > shown ? "...'" : "'");
}

// What RFC 3986 allows raw in a query, '%' aside.
constexpr auto query_chars = urls::pchars + '/' + '?';

// Clients send some characters raw that RFC 3986 does not allow in a query
// (curl -g passes the sample's { } through). Percent-encode every such
// character so that Boost.URL's strict query grammar sees them as data, and
// leave each '%' alone so that the grammar still checks every escape. A
// query without any (the provider's own) is copied as it is. (Always a
// copy: Boost.URL's parse_query reads past the end of a view that is not
// followed by a NUL.)
std::string encode_stray_characters(std::string_view query) {
    if (std::all_of(query.begin(), query.end(),
                    [](char c) { return c == '%' || query_chars(c); })) {
        return std::string(query);
    }
    std::string out;
    out.reserve(query.size());
    for (std::size_t start = 0;;) {
        const auto percent = query.find('%', start);
        const auto piece = query.substr(start, percent - start);
        out += urls::encode(piece, query_chars);
        if (percent == std::string_view::npos) {
            return out;
        }
        out += '%';
        start = percent + 1;
    }
}

// The field a parameter names. A name without escapes or '+' is compared
// as it is, without decoding it into a string of its own first.
std::optional<Field> field_named(const urls::pct_string_view& key,
                                 const urls::encoding_opts& decoding) {
    const std::string_view raw(key.data(), key.size());
    if (raw.find_first_of("%+") == std::string_view::npos) {
        return field_of(raw);
    }
    return field_of(key.decode(decoding));
}

using Values = std::array<std::optional<std::string>, field_count>;

// Reads the named int field into `into`; false (with `error` set) when bad.
bool read_int(const Values& values, Field field, std::optional<int>& into, std::string& error) {
    const auto& text = values[field];
    if (!text) {
        return true;
    }
    // Any value that fits 32 bits is a report: a negative or undocumented one
    // is stored as received and means nothing for the row's state.
    into = core::parse_int(*text);
    if (!into) {
        error = std::string(field_names[field]) +
                " is not an integer that fits 32 bits: " + quoted(*text);
        return false;
    }
    return true;
}

std::optional<std::string> read_text(const Values& values, Field field, std::size_t max_bytes) {
    const auto& text = values[field];
    return text ? std::optional{core::to_valid_utf8(*text, max_bytes)} : std::nullopt;
}

ParseResult<core::Observation> parse(std::string_view query, core::Timestamp received_at) {
    if (query.starts_with('?')) {
        query.remove_prefix(1);
    }
    const std::string encoded = encode_stray_characters(query);
    const auto params = urls::parse_query(encoded);
    if (!params) {
        return ParseResult<core::Observation>::failure("invalid percent-encoding in the query");
    }

    if (params->size() > max_callback_parameters) {
        return ParseResult<core::Observation>::failure(
            "more than " + std::to_string(max_callback_parameters) + " parameters");
    }

    Values values;
    const urls::encoding_opts form_decoding(/*space_as_plus=*/true);
    for (const auto param : *params) {
        const auto field = field_named(param.key, form_decoding);
        if (!field || !param.has_value) {
            continue;  // unknown parameter, or a bare name: no value
        }
        std::string value = param.value.decode(form_decoding);
        if (value.empty()) {
            continue;  // empty means absent
        }
        auto& slot = values[*field];
        if (slot && *slot != value) {
            return ParseResult<core::Observation>::failure(std::string(field_names[*field]) +
                                                           " is repeated with different values");
        }
        slot = std::move(value);
    }

    if (!values[sms_id]) {
        return ParseResult<core::Observation>::failure("SMSID is missing");
    }
    if (const auto problem = sms_id_problem(*values[sms_id]); !problem.empty()) {
        return ParseResult<core::Observation>::failure("SMSID " + std::string(problem));
    }

    CallbackRecord record;
    record.sms_id = *values[sms_id];
    std::string error;
    if (!read_int(values, send_status, record.send_status, error) ||
        !read_int(values, send_success, record.send_success, error) ||
        !read_int(values, send_failed, record.send_failed, error) ||
        !read_int(values, total_receiver, record.total_receiver, error) ||
        !read_int(values, total_sent, record.total_sent, error) ||
        !read_int(values, type_id, record.type_id, error) ||
        !read_int(values, telco_id, record.telco_id, error)) {
        return ParseResult<core::Observation>::failure(std::move(error));
    }
    if (const auto& price = values[total_price]) {
        record.total_price = core::parse_price(*price);
        if (!record.total_price) {
            return ParseResult<core::Observation>::failure(
                "TotalPrice is not a non-negative decimal with at most 4 places: " +
                quoted(*price));
        }
    }
    record.request_id = read_text(values, request_id, max_id_text);
    record.phone_number = read_text(values, phone_number, max_id_text);
    record.partner_id = read_text(values, partner_ids, max_id_text);
    record.oa_id = read_text(values, oa_id, max_id_text);
    record.template_id = read_text(values, temp_id, max_id_text);
    record.error_info = values[error_info];  // parsed (and made valid) by to_observation

    auto observation =
        to_observation(record, core::Source::callback, received_at, core::to_valid_utf8(query));
    return ParseResult<core::Observation>::success(std::move(observation));
}

}  // namespace

ParseResult<core::Observation> parse_callback_query(std::string_view query,
                                                    core::Timestamp received_at) noexcept {
    try {
        return parse(query, received_at);
    } catch (...) {
        return ParseResult<core::Observation>::out_of_memory();  // allocation is all that throws
    }
}

}  // namespace deliveryd::providers::esms
