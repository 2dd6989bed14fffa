#include "rate_window.hpp"

#include <algorithm>

namespace deliveryd::sim {
namespace {

constexpr auto window = std::chrono::seconds(1);

// Arrivals are stamped by the kernel when they reach the host, but read in
// whatever order the connections are served: one may be older than the
// last. Each log stays sorted, and keeps a second of slack behind the latest
// arrival so that a late-read one still finds its neighbours.
void expire(std::deque<steady_time>& log) {
    while (!log.empty() && log.front() <= log.back() - 2 * window) {
        log.pop_front();
    }
}

void insert_sorted(std::deque<steady_time>& log, steady_time at) {
    log.insert(std::upper_bound(log.begin(), log.end(), at), at);
}

// Arrivals in the half-open window (end - 1s, end].
std::size_t count_in_window(const std::deque<steady_time>& log, steady_time end) {
    const auto last = std::upper_bound(log.begin(), log.end(), end);
    const auto first = std::upper_bound(log.begin(), log.end(), end - window);
    return static_cast<std::size_t>(last - first);
}

}  // namespace

bool sliding_window::arrive(steady_time now) {
    ++calls_;
    insert_sorted(arrivals_, now);
    expire(arrivals_);
    // The windows holding this arrival end at it or at a later arrival less
    // than a second after it.
    for (auto it = std::lower_bound(arrivals_.begin(), arrivals_.end(), now);
         it != arrivals_.end() && *it < now + window; ++it) {
        max_in_window_ = std::max(max_in_window_, count_in_window(arrivals_, *it));
    }
    if (limit_ <= 0) {
        return true;
    }
    if (count_in_window(accepted_, now) >= static_cast<std::size_t>(limit_)) {
        ++refused_;
        return false;
    }
    insert_sorted(accepted_, now);
    expire(accepted_);
    return true;
}

std::string_view to_string(endpoint e) {
    switch (e) {
        case endpoint::get_callback:
            return "GetCallback";
        case endpoint::get_send_status:
            return "GetSendStatus";
        case endpoint::zalo_status:
            return "GetZaloMessageStatus";
        case endpoint::etelecom_message:
            return "GetMessage";
        case endpoint::query_zns_status:
            return "QueryZnsStatus";
        case endpoint::sms_sent_data:
            return "GetSmsSentData_V2";
        case endpoint::etelecom_list_messages:
            return "ListMessages";
    }
    return "unknown";
}

bool is_etelecom(endpoint e) {
    return e == endpoint::etelecom_message || e == endpoint::etelecom_list_messages;
}

int rate_limits::of(endpoint e) const {
    switch (e) {
        case endpoint::get_callback:
            return get_callback;
        case endpoint::get_send_status:
            return get_send_status;
        case endpoint::zalo_status:
            return zalo_status;
        case endpoint::etelecom_message:
            return etelecom_message;
        case endpoint::query_zns_status:
            return query_zns_status;
        case endpoint::sms_sent_data:
            return sms_sent_data;
        case endpoint::etelecom_list_messages:
            return etelecom_list_messages;
    }
    return 0;
}

bool rate_limiter::arrive(endpoint e, const std::string& key, steady_time now,
                          std::string_view caller) {
    auto [last, first] = last_caller_.try_emplace(key, caller_seen{std::string(caller), now});
    if (!first) {
        if (last->second.caller != caller && now - last->second.at < window) {
            ++overlaps_;
        }
        last->second = caller_seen{std::string(caller), now};
    }
    auto it = windows_.try_emplace({e, key}, limits_.of(e)).first;
    return it->second.arrive(now);
}

std::uint64_t rate_limiter::violations() const {
    std::uint64_t total = 0;
    for (const auto& [k, w] : windows_) {
        total += w.refused();
    }
    return total;
}

}  // namespace deliveryd::sim
