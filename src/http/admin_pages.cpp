#include "deliveryd/http/admin_pages.hpp"

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

namespace {

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
std::string page(std::string_view title, std::string_view body, bool logged_in = true) {
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

}  // namespace

std::string login(std::string_view next, bool failed) {
    std::string body = "<h1>Log in</h1><section>";
    if (failed) {
        body += "<p class=\"box alert\" role=\"alert\">That is not the admin token.</p>";
    }
    body += fmt::format(
        "<form method=\"post\" action=\"/login\">"
        "<input type=\"hidden\" name=\"next\" value=\"{}\">"
        "<p><label for=\"token\">Admin token (<code>admin.token</code>)</label></p>"
        "<p><input id=\"token\" type=\"password\" name=\"token\" required "
        "autocomplete=\"current-password\" style=\"width:100%\"></p>"
        "<p><button type=\"submit\">Log in</button></p></form>"
        "<p class=\"note\">The login lasts 12 hours, or until deliveryd restarts.</p></section>",
        escape(next));
    return page("Log in", body, false);
}

std::string overview(const store::AdminOverview& o) {
    std::string body = "<h1>Messages today</h1><section>" + search_form({}) + "</section>";

    body += fmt::format("<h2>Sent today ({}, Vietnam time)</h2><section>", escape(o.day));
    if (o.today.empty()) {
        body += "<p>No message was registered today.</p>";
    } else {
        std::int64_t total = 0;
        body +=
            "<div class=\"wide\"><table><thead><tr><th>state</th><th>messages</th>"
            "<th>final</th></tr></thead><tbody>";
        for (const auto& s : o.today) {
            total += s.messages;
            body += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", state_badge(s.state),
                                s.messages, s.final_messages);
        }
        body += fmt::format(
            "</tbody><tfoot><tr><th>all</th><th>{}</th><th></th></tr></tfoot>"
            "</table></div>",
            total);
    }
    body += "</section>";

    body += "<h2>Waiting for a final status, by age</h2><section>";
    std::int64_t unresolved = 0;
    for (const auto& b : o.unresolved_by_age) {
        unresolved += b.unresolved;
    }
    if (unresolved == 0) {
        body += "<p>Every message has its final status.</p>";
    } else {
        body +=
            "<div class=\"wide\"><table><thead><tr><th>age</th><th>messages</th>"
            "<th>due for a poll now</th></tr></thead><tbody>";
        for (const auto& b : o.unresolved_by_age) {
            body += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", escape(b.label),
                                b.unresolved, b.due);
        }
        body += "</tbody></table></div>";
        if (o.oldest_unresolved_age) {
            body += fmt::format("<p class=\"note\">The oldest was sent {} ago.</p>",
                                escape(*o.oldest_unresolved_age));
        }
    }
    body += "</section>";

    body += "<h2>Status calls against each limit</h2><section>";
    if (o.activity.empty()) {
        body += "<p>No replica has reported polling activity.</p>";
    } else {
        body +=
            "<div class=\"wide\"><table><thead><tr><th>account</th><th>status API</th>"
            "<th>limit (calls/s)</th><th>used</th><th>queued calls</th><th>due messages</th>"
            "<th>reported</th></tr></thead><tbody>";
        for (const auto& a : o.activity) {
            body += fmt::format(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}%</td><td>{}</td><td>{}</td>"
                "<td>{} s ago</td></tr>",
                escape(a.account), escape(a.endpoint), number(a.rate_limit, 2),
                number(a.utilisation * 100.0, 0), a.queued_calls,
                a.due_rows ? std::to_string(*a.due_rows) : std::string("–"),
                number(a.age_seconds, 0));
        }
        body += "</tbody></table></div>";
    }
    body += "</section>";

    body += "<h2>Latest provider errors today</h2><section>";
    if (o.errors.empty()) {
        body += "<p>No message carries a provider error today.</p>";
    } else {
        body +=
            "<div class=\"wide\"><table><thead><tr><th>when (Vietnam)</th><th>message</th>"
            "<th>state</th><th>error</th></tr></thead><tbody>";
        for (const auto& e : o.errors) {
            std::string error = fmt::format("<code>{}</code>", e.error_code);
            if (const auto meaning = core::error_meaning(e.error_code)) {
                error += " — " + escape(*meaning);
            } else if (e.error_message) {
                error += " — " + escape(*e.error_message);
            }
            body += fmt::format(
                "<tr><td>{}</td><td>{}<br><span class=\"note\">{} {}</span></td>"
                "<td>{}</td><td>{}</td></tr>",
                escape(e.updated_at), message_link(e.sms_id, false), escape(e.provider),
                escape(e.account), state_badge(e.state), error);
        }
        body += "</tbody></table></div>";
    }
    body += "</section>";
    return page("Overview", body);
}

std::string message(const json::object& view) {
    const auto& row = view.at("message").as_object();
    const auto& events = view.at("events").as_array();
    const bool masked = view.at("masked").as_bool();
    const auto sms_id = scalar(row, "sms_id");
    const auto state = scalar(row, "state");
    const bool final = member(row, "is_final") != nullptr && row.at("is_final").is_bool() &&
                       row.at("is_final").get_bool();

    std::string body = "<section>" + search_form({}) + "</section>";
    body += fmt::format("<h1>Message <code>{}</code></h1>", escape(sms_id));
    body += fmt::format(
        "<section><p id=\"state\">{} <strong>{}</strong>{}</p>", state_badge(state),
        final ? "final" : "not final yet",
        state_words(state).empty() ? std::string() : " — " + escape(state_words(state)));

    std::string facts;
    if (const auto source = scalar(row, "state_source"); !source.empty()) {
        fact(facts, "decided by", source_text(source));
    }
    fact(facts, "decided at", escape(vn_time(row, "state_at")));
    fact(facts, "final since", escape(vn_time(row, "final_at")));
    fact(facts, "error", error_text(row));
    if (const auto phone = scalar(row, "phone"); !phone.empty()) {
        fact(facts, "phone", "<code>" + escape(phone) + "</code>");
    }
    if (const auto zalo = scalar(row, "zalo_user_id"); !zalo.empty()) {
        fact(facts, "Zalo user id", "<code>" + escape(zalo) + "</code>");
    }
    fact(facts, "network", escape(telco_name(member(row, "telco_id"))));
    fact(facts, "price charged", escape(scalar(row, "total_price")));
    fact(facts, "delivered at", escape(vn_time(row, "delivered_at")));
    fact(facts, "provider",
         escape(scalar(row, "provider") + " · account " + scalar(row, "account") +
                (scalar(row, "type_id").empty() ? "" : " · TypeId " + scalar(row, "type_id"))));
    if (const auto request = scalar(row, "request_id"); !request.empty()) {
        fact(facts, "send request",
             fmt::format("<a href=\"/messages?by=request_id&amp;q={}{}\"><code>{}</code></a>",
                         escape(html::url_component(request)), masked ? "" : "&amp;unmask=1",
                         escape(request)));
    }
    fact(facts, "template", escape(scalar(row, "template_id")));
    fact(facts, "submitted", escape(vn_time(row, "submitted_at")));
    if (!final) {
        fact(facts, "next poll", escape(vn_time(row, "next_poll_at")));
    }
    fact(facts, "polls so far", escape(scalar(row, "poll_attempts")));
    if (scalar(row, "archived") == "yes") {
        fact(facts, "archived",
             "yes: final long enough ago to have moved to <code>delivery_state_archive</code>");
    }
    body += "<dl class=\"facts\">" + facts + "</dl>";
    body += "<p class=\"note\">Times are Vietnam time. ";
    body += masked ? fmt::format(
                         "Phone numbers and Zalo user ids are partly hidden; <a "
                         "href=\"/messages/{}?unmask=1\">show them in full</a> "
                         "(each such view is logged).",
                         escape(html::url_component(sms_id)))
                   : std::string(
                         "Phone numbers and Zalo user ids are shown in full; this view "
                         "was logged.");
    body += "</p></section>";

    body += fmt::format("<h2>Timeline: {} report{}, in the order received</h2>", events.size(),
                        events.size() == 1 ? "" : "s");
    if (events.empty()) {
        body += "<section><p>No report has come for this message yet.</p></section>";
    } else {
        body += "<ol class=\"timeline\" id=\"timeline\">";
        std::string previous_state;
        for (const auto& value : events) {
            const auto& e = value.as_object();
            const auto event_state = scalar(e, "state");
            std::string what = "reported " + state_badge(event_state);
            if (!previous_state.empty() && previous_state != event_state) {
                what += fmt::format(" <span class=\"note\">(the report before said {})</span>",
                                    escape(previous_state));
            }
            previous_state = event_state;
            if (const auto send_status = scalar(e, "send_status"); !send_status.empty()) {
                what += " · SendStatus " + escape(send_status);
            }
            if (const auto error = error_text(e); !error.empty()) {
                what += "<br>error " + error;
            }
            if (const auto telco = telco_name(member(e, "telco_id")); !telco.empty()) {
                what += " · " + escape(telco);
            }
            std::string when = "received " + escape(vn_time(e, "received_at"));
            if (const auto observed = vn_time(e, "observed_at"); !observed.empty()) {
                when += " · observed " + escape(observed);
            }
            if (const auto provider_at = vn_time(e, "provider_at"); !provider_at.empty()) {
                when += " · provider's time " + escape(provider_at);
            }
            body += fmt::format(
                "<li class=\"event\" id=\"event-{}\"><div class=\"when\">{}</div>"
                "<div>from {}</div><div>{}</div>"
                "<details><summary>Raw report</summary><pre>{}</pre></details></li>",
                escape(scalar(e, "event_id")), when, source_text(scalar(e, "source")), what,
                escape(scalar(e, "raw_payload")));
        }
        body += "</ol>";
    }

    body +=
        "<details class=\"box\"><summary>Every column of the message</summary>"
        "<div class=\"wide\"><table><tbody>";
    for (const auto& [key, value] : row) {
        body += fmt::format("<tr><th>{}</th><td>{}</td></tr>", escape(key), escape(scalar(&value)));
    }
    body += "</tbody></table></div></details>";
    return page("Message " + sms_id, body);
}

std::string search(const SearchResults& r) {
    const bool by_phone = r.by == "phone";
    const auto shown = shown_query(r.query, r.unmask);
    // The box is left empty rather than filled with a hidden number that a
    // second search would look for.
    std::string body =
        "<section>" + search_form(shown == r.query ? r.query : std::string()) + "</section>";
    body += fmt::format("<h1>Messages {} <code>{}</code></h1>",
                        by_phone ? "to phone number" : "of send request", escape(shown));
    if (r.rows->empty()) {
        body += "<section><p>No message found.</p></section>";
        return page("Search", body);
    }
    body +=
        "<section><div class=\"wide\"><table id=\"results\"><thead><tr><th>message</th>"
        "<th>submitted (Vietnam)</th><th>state</th><th>error</th><th>to</th></tr></thead>"
        "<tbody>";
    for (const auto& value : *r.rows) {
        const auto& m = value.as_object();
        const auto to = scalar(m, "phone").empty() ? scalar(m, "zalo_user_id") : scalar(m, "phone");
        body += fmt::format(
            "<tr><td>{}<br><span class=\"note\">{} {}</span></td><td>{}</td><td>{}{}</td>"
            "<td>{}</td><td class=\"nowrap\"><code>{}</code></td></tr>",
            message_link(scalar(m, "sms_id"), r.unmask), escape(scalar(m, "provider")),
            escape(scalar(m, "account")), escape(vn_time(m, "submitted_at")),
            state_badge(scalar(m, "state")),
            scalar(m, "is_final") == "yes" ? "" : "<br><span class=\"note\">not final yet</span>",
            error_text(m), escape(to));
    }
    body += "</tbody></table></div>";
    if (r.next) {
        body += fmt::format(
            "<p><a id=\"next\" href=\"/messages?by={}&amp;q={}&amp;before={}{}\">Older "
            "messages →</a></p>",
            escape(r.by), escape(html::url_component(r.query)),
            escape(html::url_component(*r.next)), r.unmask ? "&amp;unmask=1" : "");
    }
    body += "</section>";
    return page("Search", body);
}

std::string notice(std::string_view title, std::string_view text, std::string_view query) {
    return page(title, fmt::format("<section>{}</section><h1>{}</h1><section><p>{}</p></section>",
                                   search_form(query), escape(title), escape(text)));
}

}  // namespace deliveryd::http::admin_pages
