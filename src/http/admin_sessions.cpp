#include "deliveryd/http/admin_sessions.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>
#include <sys/random.h>
#include <system_error>

#include "deliveryd/http/callback_route.hpp"

namespace deliveryd::http {

namespace {

std::string random_hex(std::size_t bytes) {
    std::array<unsigned char, 64> buffer{};
    if (bytes > buffer.size()) {
        throw std::invalid_argument("random_hex: too many bytes");
    }
    std::size_t filled = 0;
    while (filled < bytes) {
        const auto got = ::getrandom(buffer.data() + filled, bytes - filled, 0);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::system_error(errno, std::generic_category(), "getrandom");
        }
        filled += static_cast<std::size_t>(got);
    }
    constexpr std::string_view hex = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes; ++i) {
        out += hex[buffer[i] >> 4];
        out += hex[buffer[i] & 0x0F];
    }
    return out;
}

}  // namespace

AdminSessions::AdminSessions(std::chrono::seconds lifetime, std::size_t max_sessions)
    : lifetime_(lifetime), max_sessions_(std::max<std::size_t>(max_sessions, 1)) {}

std::string AdminSessions::open() {
    auto value = random_hex(32);
    const auto now = Clock::now();
    const std::lock_guard lock(mutex_);
    drop_expired(now);
    if (sessions_.size() >= max_sessions_) {
        sessions_.erase(sessions_.begin());
    }
    sessions_.push_back({value, now + lifetime_});
    return value;
}

bool AdminSessions::valid(std::string_view value) {
    if (value.empty()) {
        return false;
    }
    const std::lock_guard lock(mutex_);
    drop_expired(Clock::now());
    // No early exit: the time taken says nothing about which session, if
    // any, shares a prefix with a guess.
    bool found = false;
    for (const auto& session : sessions_) {
        found = constant_time_equal(session.value, value) || found;
    }
    return found;
}

void AdminSessions::close(std::string_view value) {
    const std::lock_guard lock(mutex_);
    std::erase_if(sessions_, [&](const Session& s) { return constant_time_equal(s.value, value); });
}

void AdminSessions::drop_expired(Clock::time_point now) {
    std::erase_if(sessions_, [now](const Session& s) { return s.expires <= now; });
}

std::string_view cookie_value(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        const auto end = header.find(';');
        auto pair = header.substr(0, end);
        header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
        while (!pair.empty() && pair.front() == ' ') {
            pair.remove_prefix(1);
        }
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
            return pair.substr(eq + 1);
        }
    }
    return {};
}

}  // namespace deliveryd::http
