#include "deliveryd/core/merge.hpp"

#include <cstdint>
#include <tuple>

#include "deliveryd/core/error_info.hpp"

namespace deliveryd::core {
namespace {

// Every lattice below is "take the greater (or earlier) of two" over a total
// order, which is what makes the whole merge idempotent, commutative and
// associative: a maximum does not care about order, grouping or repeats.

template <class T>
void join_max(std::optional<T>& into, const std::optional<T>& other) {
    // std::optional orders nullopt below every value: a value beats null.
    if (into < other) {
        into = other;
    }
}

void join_earliest(std::optional<Timestamp>& into, const std::optional<Timestamp>& other) {
    if (other && (!into || *other < *into)) {
        into = other;
    }
}

// Zalo's data.status as progress: -1 (no such message) < 0 (on Zalo's
// server) < 1 (on the phone); values of unknown meaning rank below all three
// so that they never hide a known one (equal ranks: the greater number).
int zalo_status_rank(int status) noexcept {
    return status >= -1 && status <= 1 ? status + 2 : 0;
}

void join_zalo_status(std::optional<int>& into, const std::optional<int>& other) {
    if (!other) {
        return;
    }
    if (!into || std::make_tuple(zalo_status_rank(*into), *into) <
                     std::make_tuple(zalo_status_rank(*other), *other)) {
        into = other;
    }
}

bool has_counts(const State& s) noexcept {
    return s.send_status || s.send_success || s.send_failed || s.total_receiver || s.total_sent ||
           s.total_price;
}

// Receivers whose outcome the report counts: a later report of the same
// label has counted at least as many.
std::int64_t outcomes_counted(const State& s) noexcept {
    return std::int64_t{s.send_success.value_or(0)} + s.send_failed.value_or(0);
}

// The counts order: whether a's counts come from a better report than b's.
// A total order over (key, counts): two rows that compare equal either way
// hold the same counts, so taking the better is a join.
bool counts_better(const State& a, const State& b) {
    if (has_counts(a) != has_counts(b)) {
        return has_counts(a);
    }
    if (!has_counts(a)) {
        return false;
    }
    // The report furthest along: its counts describe the outcome the row shows.
    const auto rank = [](const State& s) {
        return progress_rank(s.counts_state.value_or(StateLabel::submitted));
    };
    if (rank(a) != rank(b)) {
        return rank(a) > rank(b);
    }
    if (outcomes_counted(a) != outcomes_counted(b)) {
        return outcomes_counted(a) > outcomes_counted(b);
    }
    // The earliest report of that standing, as for the label: a replay of a
    // callback repeats it, and the original decided first. A missing time
    // or source (never the case for reports) loses.
    if (a.counts_at != b.counts_at) {
        return a.counts_at && (!b.counts_at || *a.counts_at < *b.counts_at);
    }
    if (a.counts_source != b.counts_source) {
        return a.counts_source && (!b.counts_source || *a.counts_source < *b.counts_source);
    }
    // Same standing, different numbers: any fixed order will do.
    return std::tie(a.send_status, a.send_success, a.send_failed, a.total_receiver, a.total_sent,
                    a.total_price) > std::tie(b.send_status, b.send_success, b.send_failed,
                                              b.total_receiver, b.total_sent, b.total_price);
}

void take_counts(State& into, const State& from) {
    into.send_status = from.send_status;
    into.send_success = from.send_success;
    into.send_failed = from.send_failed;
    into.total_receiver = from.total_receiver;
    into.total_sent = from.total_sent;
    into.total_price = from.total_price;
    into.counts_state = from.counts_state;
    into.counts_at = from.counts_at;
    into.counts_source = from.counts_source;
}

// Rows stored before the counts carried their report's place have counts
// without a key: they are read as coming from the report that decided the
// row's label, which is the best guess and keeps a late, lesser report
// (a "waiting" after "sent") from replacing them.
void adopt_unkeyed_counts(State& s) {
    if (has_counts(s) && !s.counts_state) {
        s.counts_state = s.state == StateLabel::expired ? StateLabel::submitted : s.state;
        s.counts_at = s.state_at ? s.state_at : std::optional<Timestamp>{s.submitted_at};
        s.counts_source = s.state_source;
    }
}

// eTelecom's fallback SMS: the report with the latest send time (a status
// without a time ranks lowest), equal times by the greater text; status and
// time always come from the same report.
void join_fallback(State& into, const State& from) {
    if (std::tie(into.fallback_sms_at, into.fallback_sms_status) <
        std::tie(from.fallback_sms_at, from.fallback_sms_status)) {
        into.fallback_sms_at = from.fallback_sms_at;
        into.fallback_sms_status = from.fallback_sms_status;
    }
}

// The report that decided the label. A total order: strictly_better(a, b) or
// strictly_better(b, a) or they project to the same fields.
bool strictly_better(const State& a, const State& b) {
    const int rank_a = progress_rank(a.state);
    const int rank_b = progress_rank(b.state);
    if (rank_a != rank_b) {
        return rank_a > rank_b;
    }
    // A row nobody reported on (state_at null) loses to any report.
    if (a.state_at.has_value() != b.state_at.has_value()) {
        return a.state_at.has_value();
    }
    if (a.state_at != b.state_at) {
        return *a.state_at < *b.state_at;  // the earliest report of the label wins
    }
    if (a.state_source.has_value() != b.state_source.has_value()) {
        return a.state_source.has_value();
    }
    if (a.state_source != b.state_source) {
        return *a.state_source < *b.state_source;  // callback before the polled sources
    }
    // Same label, time and source, different content: any fixed order will do.
    if (a.error_code != b.error_code) {
        return a.error_code < b.error_code;
    }
    return a.error_message < b.error_message;
}

StateLabel observed_label(StateLabel label) noexcept {
    return label == StateLabel::expired ? StateLabel::submitted : label;
}

// When the window closed, tolerating rows whose store kept only the flag.
std::optional<Timestamp> closed_at(const State& s) {
    if (s.window_closed_at) {
        return s.window_closed_at;
    }
    if (!s.window_closed) {
        return std::nullopt;
    }
    if (s.final_at) {
        return s.final_at;
    }
    return s.state_at ? s.state_at : std::optional<Timestamp>{s.submitted_at};
}

// normalized(), in place: the one body of the rule that merge, join, lift
// and close_window all end with.
void normalize(State& s) {
    adopt_unkeyed_counts(s);
    s.window_closed_at = closed_at(s);
    s.window_closed = s.window_closed_at.has_value();
    const StateLabel label = observed_label(s.state);

    if (label == StateLabel::submitted && s.window_closed) {
        s.state = StateLabel::expired;
        s.is_final = true;
        s.final_at = s.window_closed_at;
        s.resolved_by = Resolver::poll;
        return;
    }
    s.state = label;
    const auto resolved_by_report = [&s] {
        s.is_final = true;
        s.final_at = s.state_at;
        s.resolved_by = s.state_source ? std::optional{resolver_of(*s.state_source)}
                                       : std::optional<Resolver>{};
    };
    if (is_final_label(label, channel_of(s))) {
        resolved_by_report();
    } else if (s.window_closed) {
        if (s.state_at && *s.state_at > *s.window_closed_at) {
            resolved_by_report();  // the report came after the close and completed it
        } else {
            s.is_final = true;
            s.final_at = s.window_closed_at;
            s.resolved_by = Resolver::poll;
        }
    } else {
        s.is_final = false;
        s.final_at.reset();
        s.resolved_by.reset();
    }
}

}  // namespace

int progress_rank(StateLabel label) noexcept {
    switch (label) {
        case StateLabel::submitted:
        case StateLabel::expired:
            return 0;
        case StateLabel::pending_approval:
            return 1;
        case StateLabel::waiting:
            return 2;
        case StateLabel::sent_to_telco:
            return 3;
        case StateLabel::sent:
            return 4;
        case StateLabel::rejected:
            return 5;
        case StateLabel::failed:
            return 6;
        case StateLabel::delivered:
            return 7;
    }
    return 0;
}

bool is_final_label(StateLabel label, Channel channel) noexcept {
    switch (label) {
        case StateLabel::delivered:
        case StateLabel::failed:
        case StateLabel::rejected:
        case StateLabel::expired:
            return true;
        case StateLabel::sent:
            // A ZNS `sent` only means Zalo accepted it; the handset receipt may follow.
            return channel == Channel::sms;
        default:
            return false;
    }
}

Resolver resolver_of(Source source) noexcept {
    return source == Source::callback ? Resolver::callback : Resolver::poll;
}

State normalized(State s) {
    normalize(s);
    return s;
}

State lift(const Observation& o) {
    State s;
    s.sms_id = o.sms_id;
    s.provider = o.provider;
    s.type_id = o.type_id;
    s.oa_id = o.oa_id;
    s.phone = o.phone;
    s.zalo_user_id = o.zalo_user_id;
    s.request_id = o.request_id;
    s.state = observed_label(o.state);
    // A negative count is stored in the event as received, but counts
    // nothing: the row keeps only counts a report could mean.
    const auto count = [](const std::optional<int>& n) { return n && *n >= 0 ? n : std::nullopt; };
    s.send_status = o.send_status;
    s.send_success = count(o.send_success);
    s.send_failed = count(o.send_failed);
    s.total_receiver = count(o.total_receiver);
    s.total_sent = count(o.total_sent);
    s.total_price = o.total_price;
    if (has_counts(s)) {
        s.counts_state = s.state;
        s.counts_at = o.provider_at ? o.provider_at : std::optional<Timestamp>{o.observed_at};
        s.counts_source = o.source;
    }
    s.telco_id = o.telco_id;
    s.partner_id = o.partner_id;
    s.template_id = o.template_id;
    if (o.error_code && is_error_code(*o.error_code)) {
        s.error_code = o.error_code;
        s.error_message = o.error_message;
    } else if (!o.error_code) {
        s.error_message = o.error_message;  // error text without a code (not JSON)
    }
    s.zalo_status = o.zalo_status;
    s.delivered_at = o.delivered_at;
    s.fallback_sms_status = o.fallback_sms_status;
    s.fallback_sms_at = o.fallback_sms_at;
    s.state_at = o.observed_at;
    s.state_source = o.source;
    normalize(s);
    return s;
}

namespace {

// join(), in place: `left` becomes join(left, right).
void join_into(State& left, const State& right) {
    if (left.sms_id.empty()) {
        left.sms_id = right.sms_id;
    }
    if (left.provider < right.provider) {
        left.provider = right.provider;
    }
    join_max(left.type_id, right.type_id);
    join_max(left.oa_id, right.oa_id);
    join_max(left.phone, right.phone);
    join_max(left.zalo_user_id, right.zalo_user_id);
    join_max(left.request_id, right.request_id);

    adopt_unkeyed_counts(left);
    if (has_counts(right) && !right.counts_state) {
        State keyed = right;  // a stored row, never a report: rare, so copied
        adopt_unkeyed_counts(keyed);
        if (counts_better(keyed, left)) {
            take_counts(left, keyed);
        }
    } else if (counts_better(right, left)) {
        take_counts(left, right);
    }
    join_max(left.telco_id, right.telco_id);
    join_max(left.partner_id, right.partner_id);
    join_max(left.template_id, right.template_id);
    join_zalo_status(left.zalo_status, right.zalo_status);
    join_earliest(left.delivered_at, right.delivered_at);
    join_fallback(left, right);

    // progress_rank() reads `expired` as `submitted`: labels compare as reported.
    left.state = observed_label(left.state);
    if (strictly_better(right, left)) {
        left.state = observed_label(right.state);
        left.state_at = right.state_at;
        left.state_source = right.state_source;
        left.error_code = right.error_code;
        left.error_message = right.error_message;
    }

    auto closed = closed_at(left);
    join_earliest(closed, closed_at(right));
    left.window_closed_at = closed;
    left.window_closed = closed.has_value();
    normalize(left);
}

}  // namespace

State join(State left, const State& right) {
    join_into(left, right);
    return left;
}

void merge_into(State& state, const Observation& observation) {
    if (!state.sms_id.empty() && state.sms_id != observation.sms_id) {
        normalize(state);
        return;
    }
    join_into(state, lift(observation));
}

State merge(State state, const Observation& observation) {
    merge_into(state, observation);
    return state;
}

State close_window(State state, Timestamp at) {
    auto closed = closed_at(state);
    join_earliest(closed, at);
    state.window_closed_at = closed;
    state.window_closed = true;
    normalize(state);
    return state;
}

}  // namespace deliveryd::core
