// When a request reached this host: the kernel's receive time of its first
// byte (SO_TIMESTAMPNS), not the moment the simulator got round to reading
// it. A provider counts calls as they arrive at its servers. Starved of CPU
// on a loaded test machine, the simulator would otherwise read a few queued
// calls at once and count them closer together than they came (measured
// beside six busy loops: read up to 1.2 s after they arrived, 400 ms at the
// 99th percentile), and report a rate limit broken that the network never
// saw broken.
#pragma once

#include <optional>

#include <boost/asio/ip/tcp.hpp>

#include "asio_common.hpp"
#include "clock.hpp"

namespace deliveryd::sim {

// Asks the kernel to stamp what every connection the listener accepts
// receives (each inherits it); false if it will not. The kernel switches
// stamping on a moment after the first socket of the host asks for it (and
// off after the last one stops): bytes received in between carry no stamp.
// Asked on the listener before any connection, it is on for as long as the
// listener is open.
bool stamp_arrivals(asio::ip::tcp::acceptor& listener);

// When the first unread byte arrived, in steady time; nothing when no byte
// is waiting or it carries no stamp. Reads nothing: the byte stays queued.
std::optional<steady_time> first_unread_arrival(asio::ip::tcp::socket& socket);

}  // namespace deliveryd::sim
