#include "http/admin_page_parts.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "deliveryd/core/error_meaning.hpp"
#include "deliveryd/core/masking.hpp"
#include "deliveryd/core/phone.hpp"
#include "deliveryd/core/time_text.hpp"
#include "deliveryd/http/html.hpp"

namespace deliveryd::http::admin_pages {

namespace json = boost::json;
using html::escape;

// One column on a phone; the tables scroll sideways inside their box
// rather than widen the page.
constexpr std::string_view style = R"css(
*{box-sizing:border-box}
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2329;background:#f6f7f9}
header{background:#1f3a5f;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.6rem;align-items:center}
header a{color:#fff;font-weight:600;text-decoration:none}
header form{margin:0}
main{max-width:64rem;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.2rem 0 .8rem;word-break:break-all}
h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
section,.box{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.8rem 1rem;margin:.8rem 0}
form.search{display:flex;gap:.4rem;flex-wrap:wrap}
form.search input{flex:1 1 16rem;min-width:0}
input,button{font:inherit;padding:.45rem .6rem;border:1px solid #9aa5b1;border-radius:4px}
button{background:#1f3a5f;color:#fff;border-color:#1f3a5f;cursor:pointer}
header button{background:transparent;border-color:#fff}
.wide{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e6e9ed;vertical-align:top}
th{font-weight:600;color:#4a5561}
dl.facts{display:grid;grid-template-columns:minmax(9rem,max-content) 1fr;gap:.25rem 1rem;margin:0}
dl.facts dt{color:#4a5561}
dl.facts dd{margin:0;word-break:break-word}
.state{display:inline-block;padding:.05rem .45rem;border-radius:3px;background:#e6e9ed;font-weight:600}
.state-delivered,.state-sent{background:#d7f2dd}
.state-failed,.state-rejected,.state-expired{background:#fbdcdc}
ol.timeline{list-style:none;padding:0;margin:0}
ol.timeline li{border-left:3px solid #1f3a5f;padding:.3rem 0 .6rem .8rem;margin:0 0 .6rem}
.when{color:#4a5561;font-size:.9rem}
pre{white-space:pre-wrap;word-break:break-all;background:#f1f3f5;padding:.5rem;border-radius:4px;margin:.3rem 0 0}
.note{color:#4a5561;font-size:.9rem}
.alert{background:#fff4d6;border-color:#e8c66a}
code{word-break:break-all}
.nowrap,.nowrap code{white-space:nowrap;word-break:normal}
@media (max-width:40rem){dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}}
)css";

std::string search_form(std::string_view query) {
    return fmt::format(
        "<form class=\"search\" method=\"get\" action=\"/messages\">"
        "<input type=\"search\" name=\"q\" value=\"{}\" required aria-label=\"Search\" "
        "placeholder=\"SMSID, phone (84…, 0…, +84…) or request id\">"
        "<button type=\"submit\">Find</button></form>",
        escape(query));
}

// A whole page. `logged_in`: the header has the logout button.
std::string page(std::string_view title, std::string_view body, bool logged_in) {
    std::string out = fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta name=\"robots\" content=\"noindex\">"
        "<title>{} · deliveryd</title><style>{}</style></head><body><header>"
        "<a href=\"/\">deliveryd · messages</a>",
        escape(title), style);
    if (logged_in) {
        out +=
            "<form method=\"post\" action=\"/logout\" style=\"margin-left:auto\">"
            "<button type=\"submit\">Log out</button></form>";
    }
    out += "</header><main>";
    out += body;
    out += "</main></body></html>\n";
    return out;
}

const json::value* member(const json::object& o, std::string_view key) {
    return o.if_contains(key);
}

// A scalar in words: text as it is, numbers in their shortest form, true and
// false as yes and no; empty for null or absent.
std::string scalar(const json::value* v) {
    if (v == nullptr) {
        return {};
    }
    switch (v->kind()) {
        case json::kind::string:
            return std::string(v->get_string());
        case json::kind::int64:
            return std::to_string(v->get_int64());
        case json::kind::uint64:
            return std::to_string(v->get_uint64());
        case json::kind::double_:
            return fmt::format("{}", v->get_double());
        case json::kind::bool_:
            return v->get_bool() ? "yes" : "no";
        case json::kind::null:
            return {};
        default:
            return json::serialize(*v);
    }
}

std::string scalar(const json::object& o, std::string_view key) {
    return scalar(member(o, key));
}

// PostgreSQL's JSON timestamps ("2026-12-06T05:41:12.345+00:00") in Vietnam
// time, which is what support staff and customers speak in.
std::string vn_time(std::string_view iso) {
    const auto t = core::parse_rfc3339(iso);
    if (!t) {
        return std::string(iso);
    }
    const auto local = *t + std::chrono::hours(7);
    const auto day = std::chrono::floor<std::chrono::days>(local);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::milliseconds>(local - day)};
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                       hms.subseconds().count());
}

std::string vn_time(const json::object& o, std::string_view key) {
    const auto text = scalar(o, key);
    return text.empty() ? text : vn_time(text);
}

std::string state_badge(std::string_view state) {
    return fmt::format("<span class=\"state state-{}\">{}</span>", escape(state), escape(state));
}

using Words = std::pair<std::string_view, std::string_view>;

constexpr std::array<Words, 9> states_in_words{{
    {"submitted", "registered by the sender; no status from the provider yet"},
    {"pending_approval", "waiting for the provider's approval"},
    {"waiting", "waiting at the provider to be sent"},
    {"sent_to_telco", "handed to the mobile network"},
    {"sent", "sent (an SMS or Viber message is final here)"},
    {"delivered", "delivered to the user's phone"},
    {"failed", "not delivered, and no later report can change that"},
    {"rejected", "rejected by the provider"},
    {"expired", "no status came before the polling window ended"},
}};

constexpr std::array<Words, 8> sources_in_words{{
    {"callback", "the provider's callback"},
    {"get_callback", "eSMS GetCallback (asked by deliveryd)"},
    {"get_send_status", "eSMS GetSendStatus (asked by deliveryd)"},
    {"zalo_status", "eSMS GetZaloMessageStatus (asked by deliveryd)"},
    {"query_zns_status", "eSMS QueryZnsStatus (asked by deliveryd)"},
    {"sms_sent_data", "eSMS GetSmsSentData_V2 listing (asked by deliveryd)"},
    {"etelecom_get_message", "eTelecom GetMessage (asked by deliveryd)"},
    {"etelecom_list_messages", "eTelecom ListMessages (asked by deliveryd)"},
}};

// The telco_id column's networks, 1 to 7.
constexpr std::array<std::string_view, 7> networks{
    "Viettel", "Mobifone", "Vinaphone", "Vietnamobile", "Gtel", "Itel", "Reddi"};

template <std::size_t N>
std::string_view words_for(const std::array<Words, N>& table, std::string_view key) {
    for (const auto& [name, words] : table) {
        if (name == key) {
            return words;
        }
    }
    return {};
}

std::string_view state_words(std::string_view state) {
    return words_for(states_in_words, state);
}

std::string source_text(std::string_view source) {
    const auto words = words_for(sources_in_words, source);
    return words.empty()
               ? escape(source)
               : fmt::format("{} <span class=\"note\">({})</span>", escape(words), escape(source));
}

std::string telco_name(const json::value* v) {
    if (v == nullptr || !v->is_int64()) {
        return scalar(v);
    }
    const auto id = v->get_int64();
    return id >= 1 && id <= static_cast<std::int64_t>(networks.size())
               ? std::string(networks.at(static_cast<std::size_t>(id - 1)))
               : "network " + std::to_string(id);
}

// "-124 — Zalo: no Zalo account … (provider: User is inactive)", escaped.
std::string error_text(const json::object& o) {
    const auto code = scalar(o, "error_code");
    if (code.empty()) {
        // Text the provider sent that names no code (an error_info that is
        // not Zalo's JSON, say).
        const auto said = scalar(o, "error_message");
        return said.empty()
                   ? std::string()
                   : "<span class=\"note\">the provider wrote: “" + escape(said) + "”</span>";
    }
    std::string out = "<code>" + escape(code) + "</code>";
    if (const auto meaning = scalar(o, "error_meaning"); !meaning.empty()) {
        out += " — " + escape(meaning);
    } else {
        out += " — <span class=\"note\">no documented meaning</span>";
    }
    if (const auto said = scalar(o, "error_message"); !said.empty()) {
        out += " <span class=\"note\">(the provider wrote: “" + escape(said) + "”)</span>";
    }
    return out;
}

void fact(std::string& out, std::string_view name, const std::string& value_html) {
    if (value_html.empty()) {
        return;
    }
    out += fmt::format("<dt>{}</dt><dd>{}</dd>", escape(name), value_html);
}

std::string message_link(std::string_view sms_id, bool unmask) {
    return fmt::format("<a href=\"/messages/{}{}\"><code>{}</code></a>",
                       escape(html::url_component(sms_id)), unmask ? "?unmask=1" : "",
                       escape(sms_id));
}

// What a search page shows of what was typed: a phone number partly
// hidden, as the results are, unless they are shown in full.
std::string shown_query(std::string_view query, bool unmask) {
    std::string digits;
    for (const char c : query) {
        if (c != ' ' && c != '.' && c != '-' && c != '(' && c != ')') {
            digits += c;
        }
    }
    return unmask || !core::is_vietnamese_phone(digits) ? std::string(query)
                                                        : core::mask_identifier(digits);
}

std::string number(double value, int decimals) {
    return fmt::format("{:.{}f}", value, decimals);
}

}  // namespace deliveryd::http::admin_pages
