#include "deliveryd/core/merge.hpp"

#include <tuple>

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

// SendStatus as a point in eSMS's pipeline. 5 ("finished") ranks above 4
// ("rejected") because it is reported after the message left eSMS's approval;
// unknown values rank lowest so that they never hide a known one.
int send_status_rank(int send_status) noexcept {
    switch (send_status) {
        case 1:
            return 1;
        case 2:
            return 2;
        case 7:
            return 3;
        case 4:
            return 4;
        case 5:
            return 5;
        default:
            return 0;
    }
}

void join_send_status(std::optional<int>& into, const std::optional<int>& other) {
    if (!other) {
        return;
    }
    if (!into || std::make_tuple(send_status_rank(*into), *into) <
                     std::make_tuple(send_status_rank(*other), *other)) {
        into = other;
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
    s.window_closed_at = closed_at(s);
    s.window_closed = s.window_closed_at.has_value();
    const StateLabel label = observed_label(s.state);

    if (label == StateLabel::submitted && s.window_closed) {
        s.state = StateLabel::expired;
        s.is_final = true;
        s.final_at = s.window_closed_at;
        s.resolved_by = Resolver::poll;
        return s;
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
    s.send_status = o.send_status;
    s.send_success = o.send_success;
    s.send_failed = o.send_failed;
    s.total_receiver = o.total_receiver;
    s.total_sent = o.total_sent;
    s.total_price = o.total_price;
    s.telco_id = o.telco_id;
    s.partner_id = o.partner_id;
    s.template_id = o.template_id;
    s.error_code = o.error_code;
    s.error_message = o.error_message;
    s.zalo_status = o.zalo_status;
    s.delivered_at = o.delivered_at;
    s.state_at = o.observed_at;
    s.state_source = o.source;
    return normalized(std::move(s));
}

State join(State left, const State& right) {
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

    join_send_status(left.send_status, right.send_status);
    join_max(left.send_success, right.send_success);
    join_max(left.send_failed, right.send_failed);
    join_max(left.total_receiver, right.total_receiver);
    join_max(left.total_sent, right.total_sent);
    join_max(left.total_price, right.total_price);
    join_max(left.telco_id, right.telco_id);
    join_max(left.partner_id, right.partner_id);
    join_max(left.template_id, right.template_id);
    join_max(left.zalo_status, right.zalo_status);
    join_earliest(left.delivered_at, right.delivered_at);

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
    return normalized(std::move(left));
}

State merge(State state, const Observation& observation) {
    if (!state.sms_id.empty() && state.sms_id != observation.sms_id) {
        return normalized(std::move(state));
    }
    return join(std::move(state), lift(observation));
}

State close_window(State state, Timestamp at) {
    auto closed = closed_at(state);
    join_earliest(closed, at);
    state.window_closed_at = closed;
    state.window_closed = true;
    return normalized(std::move(state));
}

}  // namespace deliveryd::core
