// The admin pages' logins. A browser cannot send `Authorization: Bearer`
// from a link, so POST /login trades the admin token for a session: a random
// value (32 bytes from the kernel, as hex) that this process keeps in memory
// and the browser keeps in a cookie. The cookie never holds the token, a
// stolen cookie expires, and a restart (or a new token) logs everyone out.
// Sessions are per process: behind several replicas, log in to the one the
// port-forward reaches.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace deliveryd::http {

class AdminSessions {
  public:
    using Clock = std::chrono::steady_clock;

    explicit AdminSessions(std::chrono::seconds lifetime = std::chrono::hours(12),
                           std::size_t max_sessions = 1000);

    // A new session's value; the oldest session is dropped when there are
    // max_sessions already.
    [[nodiscard]] std::string open();
    // Whether `value` is a session opened here and not expired or closed.
    // Every stored value is compared in constant time.
    [[nodiscard]] bool valid(std::string_view value);
    void close(std::string_view value);

    [[nodiscard]] std::chrono::seconds lifetime() const noexcept { return lifetime_; }

  private:
    struct Session {
        std::string value;
        Clock::time_point expires;
    };
    void drop_expired(Clock::time_point now);  // with mutex_ held

    std::chrono::seconds lifetime_;
    std::size_t max_sessions_;
    std::mutex mutex_;
    std::vector<Session> sessions_;  // oldest first
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"); empty if absent.
[[nodiscard]] std::string_view cookie_value(std::string_view header, std::string_view name);

}  // namespace deliveryd::http
