// One callback attempt: HTTP GET <callback-url>?<query> with Beast's client,
// bounded by a deadline that covers resolve, connect, write and read.
#pragma once

#include <optional>
#include <string>

#include "asio_common.hpp"
#include "clock.hpp"

namespace deliveryd::sim {

// Where callbacks go (http:// only).
struct callback_target {
    std::string host;
    std::string port = "80";
    std::string path = "/";  // path of the URL
    std::string query;       // the URL's own query, kept in front of ours
};

// nullopt for anything but an absolute http:// URL.
std::optional<callback_target> parse_callback_url(std::string_view url);

// The request target for one callback: path?[url query&]query.
std::string callback_request_target(const callback_target& t, const std::string& query);

// True when the receiver answered 2xx within `timeout`.
asio::awaitable<bool> send_callback(const callback_target& t, std::string target,
                                    milliseconds timeout);

}  // namespace deliveryd::sim
