// eTelecom ListMessages: one OA's ZNS whose update time falls in a window,
// page by page along eTelecom's cursor. It answers no row on its own
// (place() takes none): the scheduler sweeps with it when the due eTelecom
// rows of one OA pass reconcile.sweep_above (scheduler_sweep.cpp), asking
// for the update times from the oldest claimed row's creation to now. A
// listed message among the rows swept is answered, found by its msg_id (the
// key the sender registers it under) or else its tracking_id (a sender's own
// key); the rows no page listed go to GetMessage at once.
#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "deliveryd/core/numbers.hpp"
#include "deliveryd/providers/etelecom/list_messages.hpp"
#include "deliveryd/reconcile/planner.hpp"
#include "deliveryd/reconcile/sweep_rules.hpp"

#include "reconcile/sources/all_sources.hpp"
#include "reconcile/sources/outcomes.hpp"
#include "reconcile/sources/sweep_calls.hpp"

namespace deliveryd::reconcile::sources {
namespace {

// PlannedCall::group is the OA id; message_id is "<from>|<to>|<max pages>"
// (update times in microseconds since the epoch); cursor is "" for the first
// page, else "<page>|<eTelecom's cursor>" (its cursor is opaque: it may hold
// any character, so it comes last).
struct CallPage {
    core::Timestamp from;
    core::Timestamp to;
    std::size_t max_pages = 1;
    int page = 1;
    std::string after;
};

std::optional<CallPage> page_of(const PlannedCall& call) {
    const std::string_view text(call.message_id);
    const auto first = text.find('|');
    const auto second = first == std::string_view::npos ? first : text.find('|', first + 1);
    if (second == std::string_view::npos) {
        return std::nullopt;
    }
    const auto from = core::parse_integer(text.substr(0, first), 0, INT64_MAX);
    const auto to = core::parse_integer(text.substr(first + 1, second - first - 1), 0, INT64_MAX);
    const auto max_pages = core::parse_integer(text.substr(second + 1), 1, 1'000'000);
    if (!from || !to || !max_pages) {
        return std::nullopt;
    }
    using std::chrono::microseconds;
    CallPage read{core::Timestamp(microseconds(*from)),
                  core::Timestamp(microseconds(*to)),
                  static_cast<std::size_t>(*max_pages),
                  1,
                  {}};
    if (!call.cursor.empty()) {
        const std::string_view cursor(call.cursor);
        const auto bar = cursor.find('|');
        const auto page = core::parse_integer(cursor.substr(0, bar), 2, 1'000'000);
        if (bar == std::string_view::npos || !page) {
            return std::nullopt;
        }
        read.page = static_cast<int>(*page);
        read.after = std::string(cursor.substr(bar + 1));
    }
    return read;
}

class ListMessages final : public StatusSource {
  public:
    std::string_view name() const noexcept override { return "etelecom_list_messages"; }
    core::Provider provider() const noexcept override { return core::Provider::etelecom; }
    store::ClaimLane lane() const noexcept override { return store::ClaimLane::lookup; }
    bool is_listing() const noexcept override { return true; }
    std::size_t ids_per_call() const noexcept override { return 100; }

    std::optional<double> rate(const PollingSettings& settings,
                               std::string_view account) const override {
        if (!settings.etelecom || account != etelecom_account) {
            return std::nullopt;
        }
        return enabled_rate(settings.etelecom->list_messages_tps);
    }

    Placement place(const core::State&, const ScheduleSettings&) const override {
        return NotMine{};
    }

    providers::HttpRequest request(const PollingSettings& settings,
                                   const PlannedCall& call) const override {
        if (!settings.etelecom) {
            throw std::out_of_range("eTelecom is not configured");
        }
        auto read = page_of(call);
        if (!read) {
            throw std::invalid_argument("a ListMessages call without its window");
        }
        return providers::etelecom::build_list_messages_request(
            settings.etelecom->base_url, settings.etelecom->api_key,
            {.oa_id = call.group,
             .updated_from = read->from,
             .updated_to = read->to,
             .limit = settings.etelecom->list_messages_page_size,
             .after = std::move(read->after)});
    }

    CallOutcome interpret(const PlannedCall& call, const CallAnswer& answer,
                          core::Timestamp received_at) const override {
        if (answer.http_status == 400) {
            // invalid_argument refuses the request, not a message: a page
            // size above what eTelecom takes is the likely cause.
            return outcome(CallVerdict::rejected, "rejected",
                           "HTTP 400: eTelecom refused the listing (is "
                           "etelecom.list_messages_page_size above what it takes?)");
        }
        if (auto decided = by_http_status(answer)) {
            return std::move(*decided);
        }
        auto parsed = providers::etelecom::parse_list_messages_response(answer.body, received_at);
        if (!parsed) {
            return malformed(std::move(parsed.error));
        }
        auto& page = *parsed.value;
        auto out = outcome(CallVerdict::answered, "ok");
        std::vector<std::string_view> asked(call.sms_ids.begin(), call.sms_ids.end());
        std::sort(asked.begin(), asked.end());
        const auto was_asked = [&asked](const std::optional<std::string>& id) {
            return id && !id->empty() && std::binary_search(asked.begin(), asked.end(), *id);
        };
        for (auto& observation : page.observations) {
            if (was_asked(observation.sms_id)) {
                out.observations.push_back(std::move(observation));
            } else if (was_asked(observation.request_id)) {
                observation.sms_id = *observation.request_id;  // the sender's own key
                out.observations.push_back(std::move(observation));
            } else if (!observation.sms_id.empty()) {
                out.listed_unasked.push_back(std::move(observation));
            }
        }
        out.notes = std::move(parsed.notes);
        const auto read = page_of(call);
        const bool more = !page.next.empty() && page.entries > 0;
        if (read && more && page.next == read->after) {
            out.notes.push_back("ListMessages: the next page's cursor is this page's; stopped");
        } else if (read && more && static_cast<std::size_t>(read->page) >= read->max_pages) {
            out.outcome = "too_many_pages";
            out.detail = fmt::format(
                "{} pages listed and more to come: asking each id left is quicker", read->page);
        } else if (read && more) {
            out.next_cursor = fmt::format("{}|{}", read->page + 1, page.next);
            return out;
        }
        out.not_listed = missing_ids(call.sms_ids, out.observations);
        return out;
    }
};

}  // namespace

const StatusSource& etelecom_list_messages() {
    static const ListMessages source;
    return source;
}

PlannedCall etelecom_sweep_call(std::string account, const SweepSpan& span,
                                std::vector<std::string> ids, core::Timestamp now) {
    const auto micros = [](core::Timestamp t) {
        return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    };
    // Whatever happened to a message since it was created, its update time
    // is at or after its creation: the window from the first creation to
    // now holds every claimed message, however late its last change.
    const auto to = std::max(now, span.last_created) + sweep_pad;
    return PlannedCall{
        &etelecom_list_messages(),
        std::move(account),
        span.group,
        fmt::format("{}|{}|{}", micros(span.first_created - sweep_pad), micros(to), span.max_pages),
        std::move(ids),
        {}};
}

}  // namespace deliveryd::reconcile::sources
