#include "message_store.hpp"

#include <algorithm>
#include <stdexcept>

namespace deliveryd::sim {

message_store::message_store(std::vector<message> messages) : messages_(std::move(messages)) {
    // messages_ never changes size from here on, so string_views into it and
    // pointers to its elements stay valid.
    for (std::size_t i = 0; i < messages_.size(); ++i) {
        const message& m = messages_[i];
        if (!by_id_.emplace(m.sms_id, i).second) {
            throw std::invalid_argument("duplicate sms_id " + m.sms_id);
        }
        if (m.provider == provider_kind::esms && !m.partner_id.empty()) {
            by_partner_.emplace(m.partner_id, i);
        }
        if (m.provider != provider_kind::esms || !m.callback) {
            continue;
        }
        for (const auto& e : m.timeline) {
            schedule_.push_back({&m, &e, m.submitted_at + e.at, false});
        }
        if (m.uid && m.delivered_after) {
            // The delivery report repeats the successful send event with
            // data.status 1.
            for (const auto& e : m.timeline) {
                if (e.send_status == 5 && e.send_success > 0 && e.at <= *m.delivered_after) {
                    schedule_.push_back({&m, &e, m.submitted_at + *m.delivered_after, true});
                    break;
                }
            }
        }
    }
    std::stable_sort(schedule_.begin(), schedule_.end(),
                     [](const callback_event& a, const callback_event& b) { return a.at < b.at; });
}

const message* message_store::find(std::string_view sms_id) const {
    auto it = by_id_.find(sms_id);
    return it == by_id_.end() ? nullptr : &messages_[it->second];
}

const message* message_store::find_partner(std::string_view partner_id) const {
    auto it = by_partner_.find(partner_id);
    return it == by_partner_.end() ? nullptr : &messages_[it->second];
}

std::vector<callback_event> message_store::take_due(sim_time now) {
    std::vector<callback_event> due;
    while (next_ < schedule_.size() && schedule_[next_].at <= now) {
        due.push_back(schedule_[next_++]);
    }
    return due;
}

std::optional<sim_time> message_store::next_due() const {
    if (next_ >= schedule_.size()) {
        return std::nullopt;
    }
    return schedule_[next_].at;
}

}  // namespace deliveryd::sim
