#include "http/admin_json.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "deliveryd/core/error_meaning.hpp"
#include "deliveryd/core/masking.hpp"

namespace deliveryd::http::admin_json {

namespace json = boost::json;

namespace {

// The text of a string member, or empty.
std::string_view text_of(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

// Masks the phone number and Zalo user id columns of `o` and every written
// form of `forms` in its raw payload.
void mask(json::object& o, const std::vector<std::string>& forms) {
    for (const auto* key : {"phone", "zalo_user_id"}) {
        if (const auto value = text_of(o, key); !value.empty()) {
            o[key] = core::mask_identifier(value);
        }
    }
    if (const auto payload = text_of(o, "raw_payload"); !payload.empty()) {
        o["raw_payload"] = core::mask_forms(payload, forms);
    }
}

// Adds error_meaning, the error code in words, when the code has one.
void explain_error(json::object& o) {
    const auto* code = o.if_contains("error_code");
    if (code != nullptr && code->is_int64()) {
        if (const auto meaning = core::error_meaning(code->as_int64())) {
            o["error_meaning"] = *meaning;
        }
    }
}

}  // namespace

json::object message(const store::MessageRecord& record, bool unmask) {
    auto row = json::parse(record.row).as_object();
    explain_error(row);
    json::array events;
    for (const auto& text : record.events) {
        auto event = json::parse(text).as_object();
        explain_error(event);
        events.push_back(std::move(event));
    }
    if (!unmask) {
        // Every number and id the row or any report names, in every form.
        std::set<std::string> identifiers;
        const auto collect = [&identifiers](const json::object& o) {
            for (const auto* key : {"phone", "zalo_user_id"}) {
                if (const auto value = text_of(o, key); !value.empty()) {
                    identifiers.emplace(value);
                }
            }
        };
        collect(row);
        for (const auto& e : events) {
            collect(e.as_object());
        }
        std::vector<std::string> forms;
        for (const auto& id : identifiers) {
            const auto written = core::written_forms(id);
            forms.insert(forms.end(), written.begin(), written.end());
        }
        std::stable_sort(forms.begin(), forms.end(),
                         [](const auto& a, const auto& b) { return a.size() > b.size(); });
        mask(row, forms);
        for (auto& e : events) {
            mask(e.as_object(), forms);
        }
    }
    return json::object{
        {"message", std::move(row)}, {"events", std::move(events)}, {"masked", !unmask}};
}

json::array search_rows(const std::vector<std::string>& texts, bool unmask) {
    json::array rows;
    for (const auto& text : texts) {
        auto message = json::parse(text).as_object();
        explain_error(message);
        if (!unmask) {
            mask(message, {});
        }
        rows.push_back(std::move(message));
    }
    return rows;
}

}  // namespace deliveryd::http::admin_json
