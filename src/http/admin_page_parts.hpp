// The admin pages' shared parts: the frame every page is drawn in, the search
// form, and the values of a message's JSON view (admin_json) in words and
// HTML. Private to http/; admin_pages.cpp draws the pages with them.
#pragma once

#include <string>
#include <string_view>

#include <boost/json.hpp>

namespace deliveryd::http::admin_pages {

namespace json = boost::json;

[[nodiscard]] std::string search_form(std::string_view query);
// A whole page. `logged_in`: the header has the logout button.
[[nodiscard]] std::string page(std::string_view title, std::string_view body,
                               bool logged_in = true);
[[nodiscard]] const json::value* member(const json::object& o, std::string_view key);
// A scalar in words: text as it is, numbers in their shortest form, true and
// false as yes and no; empty for null or absent.
[[nodiscard]] std::string scalar(const json::value* v);
[[nodiscard]] std::string scalar(const json::object& o, std::string_view key);
// PostgreSQL's JSON timestamps ("2026-12-06T05:41:12.345+00:00") in Vietnam
// time, which is what support staff and customers speak in.
[[nodiscard]] std::string vn_time(std::string_view iso);
[[nodiscard]] std::string vn_time(const json::object& o, std::string_view key);
[[nodiscard]] std::string state_badge(std::string_view state);
[[nodiscard]] std::string_view state_words(std::string_view state);
[[nodiscard]] std::string source_text(std::string_view source);
[[nodiscard]] std::string telco_name(const json::value* v);
// "-124 — Zalo: no Zalo account … (provider: User is inactive)", escaped.
[[nodiscard]] std::string error_text(const json::object& o);
void fact(std::string& out, std::string_view name, const std::string& value_html);
[[nodiscard]] std::string message_link(std::string_view sms_id, bool unmask);
// What a search page shows of what was typed: a phone number partly
// hidden, as the results are, unless they are shown in full.
[[nodiscard]] std::string shown_query(std::string_view query, bool unmask);
[[nodiscard]] std::string number(double value, int decimals);

}  // namespace deliveryd::http::admin_pages
