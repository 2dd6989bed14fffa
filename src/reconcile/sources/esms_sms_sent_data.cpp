// eSMS GetSmsSentData_V2: an account's messages of one SmsType created in a
// time window, 500 per page. It answers no row on its own (place() takes
// none): the scheduler sweeps with it when one account's due SMS of one type
// pass reconcile.sweep_above (scheduler_sweep.cpp), asking for the window
// their creation times span, page after page. A listed id among the rows
// swept is answered; the rows no page listed go to GetSendStatus at once.
#include <algorithm>

#include <fmt/format.h>

#include "deliveryd/core/numbers.hpp"
#include "deliveryd/providers/esms/sms_sent_data.hpp"
#include "deliveryd/reconcile/planner.hpp"
#include "deliveryd/reconcile/sweep_rules.hpp"

#include "reconcile/sources/all_sources.hpp"
#include "reconcile/sources/esms_rows.hpp"
#include "reconcile/sources/outcomes.hpp"
#include "reconcile/sources/sweep_calls.hpp"

namespace deliveryd::reconcile::sources {
namespace {

using providers::esms::sms_sent_data_page_size;

// The window one call lists.
struct SweepWindow {
    int sms_type = 2;
    core::Timestamp from;  // creation time, padded
    core::Timestamp to;
    std::size_t max_pages = 1;
};

// PlannedCall::group is the SmsType; message_id is "<from>|<to>|<max pages>"
// (times in microseconds since the epoch); cursor is the page, "" for 1.
struct CallWindow {
    SweepWindow window;
    int page = 1;
};

std::optional<CallWindow> window_of(const PlannedCall& call) {
    const auto first = call.message_id.find('|');
    const auto second = call.message_id.find('|', first == std::string::npos ? first : first + 1);
    const auto type = core::parse_int(call.group, 1, 1'000'000);
    if (first == std::string::npos || second == std::string::npos || !type) {
        return std::nullopt;
    }
    std::string_view text(call.message_id);
    const auto from = core::parse_integer(text.substr(0, first), 0, INT64_MAX);
    const auto to = core::parse_integer(text.substr(first + 1, second - first - 1), 0, INT64_MAX);
    const auto max_pages = core::parse_integer(text.substr(second + 1), 1, 1'000'000);
    const auto page = call.cursor.empty() ? std::optional<std::int64_t>(1)
                                          : core::parse_integer(call.cursor, 1, 1'000'000);
    if (!from || !to || !max_pages || !page) {
        return std::nullopt;
    }
    using std::chrono::microseconds;
    return CallWindow{
        SweepWindow{*type, core::Timestamp(microseconds(*from)), core::Timestamp(microseconds(*to)),
                    static_cast<std::size_t>(*max_pages)},
        static_cast<int>(*page)};
}

std::size_t pages_of(std::int64_t count_total) {
    return static_cast<std::size_t>((count_total + sms_sent_data_page_size - 1) /
                                    sms_sent_data_page_size);
}

class SmsSentData final : public StatusSource {
  public:
    std::string_view name() const noexcept override { return "sms_sent_data"; }
    core::Provider provider() const noexcept override { return core::Provider::esms; }
    store::ClaimLane lane() const noexcept override { return store::ClaimLane::lookup; }
    bool is_listing() const noexcept override { return true; }
    std::size_t ids_per_call() const noexcept override {
        return static_cast<std::size_t>(sms_sent_data_page_size);
    }

    std::optional<double> rate(const PollingSettings& settings,
                               std::string_view account) const override {
        const auto* found = esms_account(settings, account);
        return found ? enabled_rate(found->sent_data_tps) : std::nullopt;
    }

    Placement place(const core::State&, const ScheduleSettings&) const override {
        return NotMine{};
    }

    providers::HttpRequest request(const PollingSettings& settings,
                                   const PlannedCall& call) const override {
        const auto read = window_of(call);
        if (!read) {
            throw std::invalid_argument("a GetSmsSentData_V2 call without its window");
        }
        return providers::esms::build_sms_sent_data_request(
            settings.esms.api_base, esms_credentials(settings, call.account),
            {.sms_type = read->window.sms_type,
             .from = read->window.from,
             .to = read->window.to,
             .page = read->page});
    }

    CallOutcome interpret(const PlannedCall& call, const CallAnswer& answer,
                          core::Timestamp received_at) const override {
        if (auto decided = by_http_status(answer)) {
            return std::move(*decided);
        }
        const auto read = window_of(call);
        auto parsed = providers::esms::parse_sms_sent_data_response(answer.body, received_at);
        if (!parsed) {
            return malformed(std::move(parsed.error));
        }
        auto& page = *parsed.value;
        if (page.code != 100) {
            return esms_code(call, page.code, page.message);
        }
        auto out = outcome(CallVerdict::answered, "ok");
        std::vector<std::string_view> asked(call.sms_ids.begin(), call.sms_ids.end());
        std::sort(asked.begin(), asked.end());
        for (auto& observation : page.observations) {
            (std::binary_search(asked.begin(), asked.end(), std::string_view(observation.sms_id))
                 ? out.observations
                 : out.listed_unasked)
                .push_back(std::move(observation));
        }
        out.notes.insert(out.notes.end(), parsed.notes.begin(), parsed.notes.end());
        const auto pages = pages_of(page.count_total.value_or(0));
        const bool too_many = read && read->page == 1 && pages > read->window.max_pages;
        if (too_many) {
            out.outcome = "too_many_pages";
            out.detail = fmt::format(
                "{} messages in the window: {} pages, more than the {} "
                "that are quicker than asking each id",
                *page.count_total, pages, read->window.max_pages);
        }
        const bool more =
            read && !too_many && page.entries > 0 && static_cast<std::size_t>(read->page) < pages;
        if (more) {
            out.next_cursor = std::to_string(read->page + 1);
        } else {
            out.not_listed = missing_ids(call.sms_ids, out.observations);
        }
        return out;
    }
};

}  // namespace

const StatusSource& esms_sms_sent_data() {
    static const SmsSentData source;
    return source;
}

PlannedCall esms_sweep_call(std::string account, const SweepSpan& span,
                            std::vector<std::string> ids, core::Timestamp) {
    const auto micros = [](core::Timestamp t) {
        return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    };
    return PlannedCall{&esms_sms_sent_data(),
                       std::move(account),
                       span.group,
                       fmt::format("{}|{}|{}", micros(span.first_created - sweep_pad),
                                   micros(span.last_created + sweep_pad), span.max_pages),
                       std::move(ids),
                       {}};
}

}  // namespace deliveryd::reconcile::sources
