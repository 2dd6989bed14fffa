#include "message.hpp"

namespace deliveryd::sim {

std::string_view to_string(provider_kind p) {
    return p == provider_kind::esms ? "esms" : "etelecom";
}

std::string_view to_string(state_label s) {
    switch (s) {
        case state_label::submitted:
            return "submitted";
        case state_label::pending_approval:
            return "pending_approval";
        case state_label::waiting:
            return "waiting";
        case state_label::sent_to_telco:
            return "sent_to_telco";
        case state_label::sent:
            return "sent";
        case state_label::delivered:
            return "delivered";
        case state_label::failed:
            return "failed";
        case state_label::rejected:
            return "rejected";
        case state_label::expired:
            return "expired";
    }
    return "submitted";
}

bool is_final(state_label s) {
    return s == state_label::delivered || s == state_label::failed || s == state_label::rejected ||
           s == state_label::expired;
}

bool is_final_for(const message& m, state_label s) {
    return is_final(s) || (s == state_label::sent && !m.is_zns());
}

bool message::is_zns() const {
    return provider == provider_kind::etelecom || (type_id >= 24 && type_id <= 27);
}

std::optional<sim_time> message::delivered_at() const {
    if (!delivered_after) {
        return std::nullopt;
    }
    return submitted_at + *delivered_after;
}

int total_sent_of(const message& m, const status_event& e) {
    if (e.total_sent) {
        return *e.total_sent;
    }
    if (e.send_status == 7) {
        return m.total_receiver;
    }
    if (e.send_status != 5) {
        return 0;
    }
    if (m.is_zns() && e.send_success == 0 && e.send_failed > 0) {
        return 0;
    }
    return m.total_receiver;
}

double total_price_of(const message& m, const status_event& e) {
    return e.send_status == 5 && e.send_success > 0 ? m.price : 0.0;
}

state_label label_of(const status_event& e) {
    switch (e.send_status) {
        case 1:
            return state_label::pending_approval;
        case 2:
            return state_label::waiting;
        case 4:
            return state_label::rejected;
        case 7:
            return state_label::sent_to_telco;
        case 5:
            return e.send_success == 0 && e.send_failed > 0 ? state_label::failed
                                                            : state_label::sent;
        default:
            return state_label::submitted;
    }
}

namespace {

// deliveryd's order (core/merge.hpp): states never move backwards; final states
// beat the others.
int rank(state_label s) {
    switch (s) {
        case state_label::submitted:
            return 0;
        case state_label::pending_approval:
            return 1;
        case state_label::waiting:
            return 2;
        case state_label::sent_to_telco:
            return 3;
        case state_label::sent:
            return 4;
        case state_label::expired:
            return 5;
        case state_label::delivered:
        case state_label::failed:
        case state_label::rejected:
            return 6;
    }
    return 0;
}

}  // namespace

message_view view_at(const message& m, sim_time now) {
    message_view v;
    v.exists = m.submitted_at <= now;
    if (!v.exists) {
        return v;
    }
    for (const auto& e : m.timeline) {
        if (m.submitted_at + e.at > now) {
            continue;
        }
        // Ties keep the later event; the first final event stays final.
        if (v.last == nullptr || (rank(label_of(e)) >= rank(v.label) && !is_final(v.label))) {
            v.last = &e;
            v.label = label_of(e);
        }
    }
    auto delivered = m.delivered_at();
    if (v.label == state_label::sent && delivered && *delivered <= now) {
        v.delivered = true;
        v.label = state_label::delivered;
    }
    return v;
}

state_label final_label(const message& m) {
    auto v = view_at(m, sim_time::max());
    return v.last == nullptr ? state_label::expired : v.label;
}

}  // namespace deliveryd::sim
