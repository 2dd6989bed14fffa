#include "deliveryd/providers/esms/callback_query.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <utility>

#include "deliveryd/core/form_query.hpp"
#include "deliveryd/core/numbers.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/providers/esms/callback_record.hpp"
#include "deliveryd/providers/esms/sms_id.hpp"

namespace deliveryd::providers::esms {
namespace {

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

constexpr char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// The longest name in field_names.
constexpr std::size_t longest_name =
    std::max_element(field_names.begin(), field_names.end(),
                     [](std::string_view a, std::string_view b) { return a.size() < b.size(); })
        ->size();

// The letters of field_names in lower case, each name in a row of its own.
constexpr auto lower_letters = [] {
    std::array<std::array<char, longest_name>, field_count> letters{};
    for (std::size_t i = 0; i < field_count; ++i) {
        std::transform(field_names[i].begin(), field_names[i].end(), letters[i].begin(),
                       ascii_lower);
    }
    return letters;
}();

// field_names in lower case, as names are matched ignoring case.
constexpr auto lower_field_names = [] {
    std::array<std::string_view, field_count> names{};
    for (std::size_t i = 0; i < field_count; ++i) {
        names[i] = std::string_view(lower_letters[i].data(), field_names[i].size());
    }
    return names;
}();

// Longest identity text kept; real values are under 60 bytes.
constexpr std::size_t max_id_text = 256;

// The fields whose names have one length, in field order.
struct SameLength {
    std::array<Field, field_count> fields{};
    std::size_t count = 0;
};

// For each length a name can have, the fields it may name: a name is
// compared only with those of its length.
constexpr auto by_length = [] {
    std::array<SameLength, longest_name + 1> table{};
    for (std::size_t i = 0; i < field_count; ++i) {
        auto& same = table[field_names[i].size()];
        same.fields[same.count++] = static_cast<Field>(i);
    }
    return table;
}();

// The field whose entry in `names` equals `name`, or nullopt. The first
// letter settles most comparisons without a call.
std::optional<Field> find_name(const std::array<std::string_view, field_count>& names,
                               std::string_view name) noexcept {
    if (name.empty() || name.size() > longest_name) {
        return std::nullopt;
    }
    const auto& same = by_length[name.size()];
    for (std::size_t k = 0; k < same.count; ++k) {
        const auto candidate = names[same.fields[k]];
        if (candidate[0] == name[0] && candidate == name) {
            return same.fields[k];
        }
    }
    return std::nullopt;
}

std::optional<Field> field_of(std::string_view name) noexcept {
    // Spelled as documented, as the provider does: found as it is.
    if (const auto field = find_name(field_names, name)) {
        return field;
    }
    if (name.size() > longest_name) {
        return std::nullopt;
    }
    std::array<char, longest_name> lower{};
    std::transform(name.begin(), name.end(), lower.begin(), ascii_lower);
    return find_name(lower_field_names, std::string_view(lower.data(), name.size()));
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

// The field a parameter names. A name without escapes or '+' (none has one
// when the whole query is `plain`) is compared as it is, without decoding it
// into a string of its own first.
std::optional<Field> field_named(std::string_view name, bool plain) {
    if (!plain && core::needs_form_decoding(name)) {
        return field_of(core::form_decoded(name));
    }
    return field_of(name);
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

// The named text field, made valid UTF-8 of at most `max_bytes`; moved out
// of `values` when it already is.
std::optional<std::string> take_text(Values& values, Field field, std::size_t max_bytes) {
    auto& text = values[field];
    if (!text || (text->size() <= max_bytes && core::is_valid_utf8(*text))) {
        return std::move(text);
    }
    return core::to_valid_utf8(*text, max_bytes);
}

ParseResult<core::Observation> parse(std::string_view query, core::Timestamp received_at) {
    if (query.starts_with('?')) {
        query.remove_prefix(1);
    }
    // Every character but '%' is data as it is, including those RFC 3986
    // wants escaped in a query that clients send raw ({ } ").
    if (!core::escapes_are_well_formed(query)) {
        return ParseResult<core::Observation>::failure("invalid percent-encoding in the query");
    }
    // Nothing to decode anywhere, as in the provider's own callbacks: no
    // piece is looked at again.
    const bool plain = !core::needs_form_decoding(query);
    Values values;
    std::size_t parameters = 0;
    std::optional<Field> repeated;
    core::for_each_query_parameter(
        query, [&](std::string_view name, std::optional<std::string_view> encoded) {
            if (++parameters > max_callback_parameters || repeated) {
                return;  // refused below: the rest is not worth reading
            }
            const auto field = field_named(name, plain);
            if (!field || !encoded || encoded->empty()) {
                return;  // unknown parameter, a bare name or an empty value: absent
            }
            std::string value = plain ? std::string(*encoded) : core::form_decoded(*encoded);
            auto& slot = values[*field];
            if (slot && *slot != value) {
                repeated = field;
                return;
            }
            slot = std::move(value);
        });
    if (parameters > max_callback_parameters) {
        return ParseResult<core::Observation>::failure(
            "more than " + std::to_string(max_callback_parameters) + " parameters");
    }
    if (repeated) {
        return ParseResult<core::Observation>::failure(std::string(field_names[*repeated]) +
                                                       " is repeated with different values");
    }

    if (!values[sms_id]) {
        return ParseResult<core::Observation>::failure("SMSID is missing");
    }
    if (const auto problem = sms_id_problem(*values[sms_id]); !problem.empty()) {
        return ParseResult<core::Observation>::failure("SMSID " + std::string(problem));
    }

    CallbackRecord record;
    record.sms_id = std::move(*values[sms_id]);
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
    record.request_id = take_text(values, request_id, max_id_text);
    record.phone_number = take_text(values, phone_number, max_id_text);
    record.partner_id = take_text(values, partner_ids, max_id_text);
    record.oa_id = take_text(values, oa_id, max_id_text);
    record.template_id = take_text(values, temp_id, max_id_text);
    // Parsed (and made valid) by to_observation.
    record.error_info = std::move(values[error_info]);

    return ParseResult<core::Observation>::success(to_observation(
        std::move(record), core::Source::callback, received_at, core::to_valid_utf8(query)));
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
