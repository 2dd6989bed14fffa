// The daemon's archive pass (store/archive.hpp): every 30 s (5 s while a
// backlog remains), old final rows move from delivery_state to the archive,
// a batch per transaction for at most 10 s, then reports stored since the last pass are searched
// for ones about archived messages, which are put back together. Every replica runs it: the moves
// take turns and skip rows another holds, and one replica at a time searches. Private to app/; runs
// on the daemon's control strand and ends once `stopping` is set (the caller also cancels `timer`).
#pragma once

#include <atomic>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <prometheus/registry.h>

#include "deliveryd/app/config.hpp"
#include "deliveryd/store/connection_pool.hpp"

namespace deliveryd::app {

boost::asio::awaitable<void> keep_archiving(boost::asio::thread_pool& db_threads,
                                            store::ConnectionPool& pool,
                                            const ArchiveConfig& config,
                                            prometheus::Registry& registry,
                                            boost::asio::steady_timer& timer,
                                            const std::atomic<bool>& stopping);

}  // namespace deliveryd::app
