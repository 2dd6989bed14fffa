// All simulated messages, indexed for the status APIs, plus the schedule of
// status-change callbacks in simulated-time order. Immutable after
// construction except for the schedule cursor. Not thread-safe: used from the
// simulator's single I/O thread.
#pragma once

#include <string_view>
#include <unordered_map>
#include <vector>

#include "callback_query.hpp"
#include "message.hpp"

namespace deliveryd::sim {

class message_store {
  public:
    // Throws std::invalid_argument on duplicate sms_id.
    explicit message_store(std::vector<message> messages);

    message_store(const message_store&) = delete;
    message_store& operator=(const message_store&) = delete;

    [[nodiscard]] const std::vector<message>& all() const { return messages_; }
    [[nodiscard]] const message* find(std::string_view sms_id) const;
    // eSMS ZNS by Zalo message id (GetZaloMessageStatus's MessageId).
    [[nodiscard]] const message* find_partner(std::string_view partner_id) const;

    // Callbacks whose time has come (at <= now), in time order, each once.
    // Only eSMS messages sent with a CallbackUrl produce callbacks: one per
    // timeline event, plus a delivery report for uid ZNS.
    std::vector<callback_event> take_due(sim_time now);
    [[nodiscard]] std::size_t callbacks_total() const { return schedule_.size(); }
    [[nodiscard]] std::size_t callbacks_pending() const { return schedule_.size() - next_; }
    // Simulated time of the next scheduled callback, if any.
    [[nodiscard]] std::optional<sim_time> next_due() const;

  private:
    std::vector<message> messages_;
    std::unordered_map<std::string_view, std::size_t> by_id_;
    std::unordered_map<std::string_view, std::size_t> by_partner_;
    std::vector<callback_event> schedule_;
    std::size_t next_ = 0;
};

}  // namespace deliveryd::sim
