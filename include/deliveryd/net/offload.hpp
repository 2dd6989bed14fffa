// Runs blocking work (libpqxx calls) on a thread pool and resumes the calling
// coroutine on its own executor when the work is done, so io_context threads
// never block on the database.
#pragma once

#include <type_traits>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace deliveryd::net {

// Exceptions thrown by `work` are rethrown in the caller.
template <class Work>
boost::asio::awaitable<std::invoke_result_t<Work&>> offload(boost::asio::thread_pool& pool,
                                                            Work work) {
    using Result = std::invoke_result_t<Work&>;
    co_return co_await boost::asio::co_spawn(
        pool, [w = std::move(work)]() mutable -> boost::asio::awaitable<Result> { co_return w(); },
        boost::asio::use_awaitable);
}

}  // namespace deliveryd::net
