#include "deliveryd/core/error_info.hpp"

#include <limits>

#include <boost/json/parse_options.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/url/pct_string_view.hpp>

#include "deliveryd/core/json_reader.hpp"
#include "deliveryd/core/text.hpp"
#include "deliveryd/core/time_text.hpp"

namespace deliveryd::core {
namespace {

// The seeds need at most two unwrappings (percent-encoding, or a JSON string);
// a few more are tolerated, and the bound stops adversarial nesting.
constexpr int max_unwrap = 4;

constexpr std::string_view stamp_marker = "____";

// What may pad a provider's value: blanks and line ends.
constexpr std::string_view padding = " \t\r\n";

struct Leading {
    boost::json::value value;
    std::string_view rest;  // what follows the first JSON value
};

// The first JSON value at the start of `text`; the text after it is left alone
// (write_some stops at the end of the first complete value).
std::optional<Leading> parse_leading_json(std::string_view text) {
    boost::json::parse_options options;
    options.allow_invalid_utf8 = true;  // made valid by to_valid_utf8 when read out
    boost::json::stream_parser parser({}, options);
    boost::system::error_code ec;
    const std::size_t used = parser.write_some(text.data(), text.size(), ec);
    if (ec) {
        return std::nullopt;
    }
    if (!parser.done()) {
        parser.finish(ec);  // a bare number at the very end, or truncated input
        if (ec || !parser.done()) {
            return std::nullopt;
        }
    }
    return Leading{parser.release(), text.substr(used)};
}

void read_object(const boost::json::object& object, ErrorInfo& info) {
    info.is_json = true;
    if (const auto* error = find_member(object, "error")) {
        const auto code =
            json_integer(*error, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
        if (code) {
            info.error_code = static_cast<int>(*code);
        }
    }
    JsonReader fields(object);
    info.error_message = fields.text("message", max_error_text_bytes);
    const auto* data = fields.member("data");
    if (data == nullptr || !data->is_object()) {
        return;
    }
    // Best effort inside `data`: a malformed field is left out, the rest kept.
    JsonReader d(data->get_object());
    info.data.message_id = d.text("message_id", 128);
    info.data.user_id = d.text("user_id", 128);
    info.data.status = d.integer("status", -1000, 1000);
    info.data.delivery_time = d.epoch_millis("delivery_time");
    info.data.message = d.text("message", max_error_text_bytes);
}

void read_trailing(std::string_view rest, ErrorInfo& info) {
    rest = trim(rest, padding);
    if (rest.empty()) {
        return;
    }
    if (rest.starts_with(stamp_marker)) {
        if (const auto at =
                parse_esms_local_time(trim(rest.substr(stamp_marker.size()), padding))) {
            info.stamped_at = at;
            return;
        }
    }
    if (info.trailing.empty()) {
        info.trailing = to_valid_utf8(rest, max_error_text_bytes);
    }
}

void parse_into(std::string_view input, ErrorInfo& info) {
    std::string current(trim(input, padding));
    for (int level = 0; level <= max_unwrap && !current.empty(); ++level) {
        const char first = current.front();
        if (first == '{') {
            if (auto leading = parse_leading_json(current); leading && leading->value.is_object()) {
                read_object(leading->value.get_object(), info);
                read_trailing(leading->rest, info);
                return;
            }
            break;
        }
        if (first == '"') {
            auto leading = parse_leading_json(current);
            if (!leading || !leading->value.is_string()) {
                break;
            }
            read_trailing(leading->rest, info);
            const auto& inner = leading->value.get_string();
            current = std::string(trim(std::string_view(inner.data(), inner.size()), padding));
            continue;
        }
        if (first == '%') {
            // Validates every escape first; a stray '%' means this is not
            // percent-encoded text after all. '+' stays '+': the samples
            // encode spaces as %20 in this layer.
            const auto encoded = boost::urls::make_pct_string_view(current);
            if (!encoded) {
                break;
            }
            current = std::string(trim(encoded->decode(), padding));
            continue;
        }
        break;
    }
    // Not (or no longer) JSON: the text is the only message there is.
    if (!current.empty()) {
        info.error_message = to_valid_utf8(current, max_error_text_bytes);
    }
}

}  // namespace

ErrorInfo parse_error_info(std::string_view text) noexcept {
    ErrorInfo info;
    try {
        parse_into(text, info);
    } catch (...) {
        // Only allocation can fail here; keep whatever was read so far.
    }
    return info;
}

}  // namespace deliveryd::core
