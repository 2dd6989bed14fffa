#include "arrival_stamp.hpp"

#include <array>
#include <cstring>
#include <sys/socket.h>
#include <time.h>

namespace deliveryd::sim {
namespace {

// A stamp further in the past than this is a wall clock that was set
// meanwhile, not an arrival.
constexpr auto oldest_believable = std::chrono::seconds(10);

}  // namespace

bool stamp_arrivals(asio::ip::tcp::acceptor& listener) {
    const int on = 1;
    return ::setsockopt(listener.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0;
}

std::optional<steady_time> first_unread_arrival(asio::ip::tcp::socket& socket) {
    char byte = 0;
    iovec data{&byte, 1};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(timespec))> control{};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    if (::recvmsg(socket.native_handle(), &message, MSG_PEEK | MSG_DONTWAIT) <= 0) {
        return std::nullopt;
    }
    // The stamp is wall-clock time; its age carries over to the steady clock.
    const auto steady_now = std::chrono::steady_clock::now();
    const auto wall_now = std::chrono::system_clock::now();
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) {
            continue;
        }
        timespec stamp{};
        std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
        const auto arrived = std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::seconds(stamp.tv_sec) + std::chrono::nanoseconds(stamp.tv_nsec)));
        const auto age = wall_now - arrived;
        if (age < std::chrono::system_clock::duration::zero() || age > oldest_believable) {
            return std::nullopt;
        }
        return steady_now - std::chrono::duration_cast<std::chrono::steady_clock::duration>(age);
    }
    return std::nullopt;
}

}  // namespace deliveryd::sim
