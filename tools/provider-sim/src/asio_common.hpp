// Asio/Beast names used by the I/O half of the simulator.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace deliveryd::sim {

namespace asio = boost::asio;

// co_await op(..., use_nothrow) yields (error_code, results...) instead of throwing:
// network errors are expected here and are counted, not exceptional.
inline constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

}  // namespace deliveryd::sim
