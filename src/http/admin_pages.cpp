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

#include "http/admin_page_parts.hpp"

namespace deliveryd::http::admin_pages {

namespace json = boost::json;
using html::escape;

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
