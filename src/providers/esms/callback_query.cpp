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

// The lengths of the shortest and the longest of field_names: a name
// shorter or longer is no field's, and slot_of, which reads a name's second
// letter, is given only names at least as long as the shortest.
constexpr auto name_sizes = [] {
    std::size_t shortest = field_names[0].size();
    std::size_t longest = shortest;
    for (const auto name : field_names) {
        shortest = std::min(shortest, name.size());
        longest = std::max(longest, name.size());
    }
    return std::pair{shortest, longest};
}();

// Each name has a slot of its own in `slots`, picked from its length and
// its first, second and last letters, case ignored: a parameter's name is
// then compared with one field's name at most. (The weights are ones under
// which no two of field_names share a slot; the table is built at compile
// time and fails to compile if two do.)
constexpr std::size_t slot_count = 32;

constexpr std::size_t slot_of(std::string_view name) noexcept {
    // Setting bit 5 lower-cases a letter and leaves a lower-case one as it
    // is; other characters may meet, which only costs a comparison.
    const auto letter = [&](std::size_t i) {
        return static_cast<std::size_t>(static_cast<unsigned char>(name[i]) | 0x20U);
    };
    return (2 * name.size() + letter(0) + 2 * letter(1) + letter(name.size() - 1)) % slot_count;
}

constexpr auto slots = [] {
    std::array<int, slot_count> table{};
    table.fill(-1);
    for (std::size_t i = 0; i < field_count; ++i) {
        auto& slot = table[slot_of(field_names[i])];
        if (slot != -1) {
            throw "two field names share a slot: change the weights in slot_of";
        }
        slot = static_cast<int>(i);
    }
    return table;
}();

// The field `name` names, its case ignored, or nullopt.
std::optional<Field> field_of(std::string_view name) noexcept {
    if (name.size() < name_sizes.first || name.size() > name_sizes.second) {
        return std::nullopt;
    }
    const int slot = slots[slot_of(name)];
    if (slot < 0) {
        return std::nullopt;
    }
    const auto field = static_cast<Field>(slot);
    const auto expected = field_names[field];
    if (name == expected) {
        return field;  // spelled as documented, as the provider does
    }
    if (name.size() != expected.size()) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (ascii_lower(name[i]) != ascii_lower(expected[i])) {
            return std::nullopt;
        }
    }
    return field;
}

// Longest identity text kept; real values are under 60 bytes.
constexpr std::size_t max_id_text = 256;

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

// Each field's value, a view of the query or of its decoded text.
using Values = std::array<std::optional<std::string_view>, field_count>;

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

// The named text field, made valid UTF-8 of at most `max_bytes`.
std::optional<std::string> take_text(const Values& values, Field field, std::size_t max_bytes) {
    const auto& text = values[field];
    if (!text) {
        return std::nullopt;
    }
    if (text->size() <= max_bytes && core::is_valid_utf8(*text)) {
        return std::string(*text);
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
    // The values that had to be decoded, which `values` views: a place per
    // field, so that none moves once viewed.
    std::array<std::string, field_count> decoded;
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
            const bool escaped = !plain && core::needs_form_decoding(*encoded);
            std::string decoded_value = escaped ? core::form_decoded(*encoded) : std::string();
            const std::string_view value = escaped ? std::string_view(decoded_value) : *encoded;
            auto& slot = values[*field];
            if (slot) {
                if (*slot != value) {
                    repeated = field;
                }
                return;
            }
            if (escaped) {
                decoded[*field] = std::move(decoded_value);
                slot = decoded[*field];
            } else {
                slot = value;
            }
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
    record.sms_id = std::string(*values[sms_id]);
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
    if (const auto& text = values[error_info]) {
        record.error_info = std::string(*text);
    }

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
