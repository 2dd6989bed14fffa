// Per (API key, endpoint) call limits, counted the way a provider's sliding
// 1-second window does: a call arriving at t is accepted when fewer than
// `limit` accepted calls arrived in (t - 1s, t]. Refused calls do not use up
// the window. Independently, every arrival (accepted or not) is logged to
// find the largest number of calls seen in any 1-second window, which is what
// tests check deliveryd against. An arrival may be older than the previous
// one (arrivals are stamped when they reach the host, and connections are
// served in their own order); up to a second older, it is counted in its
// place. Pure: time is passed in. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

#include "clock.hpp"

namespace deliveryd::sim {

class sliding_window {
  public:
    explicit sliding_window(int limit) : limit_(limit) {}

    // Records an arrival; true when accepted. limit <= 0 means unlimited.
    bool arrive(steady_time now);

    [[nodiscard]] int limit() const { return limit_; }
    [[nodiscard]] std::uint64_t calls() const { return calls_; }
    [[nodiscard]] std::uint64_t refused() const { return refused_; }
    // Largest number of arrivals inside any window of one second.
    [[nodiscard]] std::size_t max_in_window() const { return max_in_window_; }

  private:
    int limit_;
    std::deque<steady_time> accepted_;  // accepted arrivals of the last two seconds, sorted
    std::deque<steady_time> arrivals_;  // all arrivals of the last two seconds, sorted
    std::uint64_t calls_ = 0;
    std::uint64_t refused_ = 0;
    std::size_t max_in_window_ = 0;
};

// The provider endpoints that are counted.
enum class endpoint {
    get_callback,      // eSMS POST /ZaloCallback/GetCallback, 20/s documented
    get_send_status,   // eSMS GET  /MainService.svc/json/GetSendStatus, undocumented
    zalo_status,       // eSMS POST /MainService.svc/json/GetZaloMessageStatus, 30/s documented
    etelecom_message,  // eTelecom POST /v1/shop.Zalo/GetMessage, undocumented
    query_zns_status,  // eSMS POST /MainService.svc/json/QueryZnsStatus/, 100/s documented
    sms_sent_data,     // eSMS POST /MainService.svc/json/GetSmsSentData_V2, undocumented
    etelecom_list_messages,  // eTelecom POST /v1/shop.Zalo/ListMessages, undocumented
};
constexpr std::size_t endpoint_count = 7;

std::string_view to_string(endpoint e);  // "GetCallback", "GetSendStatus", ...
// GetMessage and ListMessages: errors in eTelecom's Twirp shape, not eSMS's.
bool is_etelecom(endpoint e);

struct rate_limits {
    int get_callback = 20;
    int get_send_status = 10;
    int zalo_status = 30;
    int etelecom_message = 10;
    int query_zns_status = 100;
    int sms_sent_data = 1;
    int etelecom_list_messages = 1;

    [[nodiscard]] int of(endpoint e) const;
};

class rate_limiter {
  public:
    explicit rate_limiter(rate_limits limits) : limits_(limits) {}

    // True when the call is within the limit for (key, endpoint). `caller`
    // names the client (its User-Agent): a call about a key that another
    // caller used less than a window ago counts as an overlap, whatever the
    // endpoint (two replicas polling one account at once).
    bool arrive(endpoint e, const std::string& key, steady_time now, std::string_view caller = {});

    [[nodiscard]] const rate_limits& limits() const { return limits_; }
    // Windows by (endpoint, key), for /sim/stats.
    [[nodiscard]] const std::map<std::pair<endpoint, std::string>, sliding_window>& windows()
        const {
        return windows_;
    }
    [[nodiscard]] std::uint64_t violations() const;
    [[nodiscard]] std::uint64_t overlaps() const { return overlaps_; }
    void reset() {
        windows_.clear();
        last_caller_.clear();
        overlaps_ = 0;
    }

  private:
    struct caller_seen {
        std::string caller;
        steady_time at;
    };
    rate_limits limits_;
    std::map<std::pair<endpoint, std::string>, sliding_window> windows_;
    std::map<std::string, caller_seen> last_caller_;  // by key
    std::uint64_t overlaps_ = 0;
};

}  // namespace deliveryd::sim
