// The admin listener's routes, read-only, for support staff and the
// business's own services (docs/api.md):
//
// * JSON under /api/: one message's row and its reports, and the messages
//   to one phone number or of one send request.
// * HTML pages for a browser: / (today's overview and a search box),
//   /messages?q=... (a search) and /messages/{sms_id} (one message and its
//   timeline of reports), rendered by admin_pages.hpp.
// * /login and /logout: a browser cannot send a bearer token from a link,
//   so POST /login trades the token for a session cookie (admin_sessions.hpp).
//
// Every route but /login and /logout needs `Authorization: Bearer
// <admin.token>` (compared in constant time) or a session cookie: the JSON
// routes answer 401 without, the pages redirect to /login. Phone numbers and
// Zalo user ids are masked (core/masking.hpp), in the raw payloads too,
// unless the request asks `?unmask=1`, which is logged with the message and
// the caller's address.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "deliveryd/http/server.hpp"
#include "deliveryd/store/admin_overview.hpp"
#include "deliveryd/store/message_lookup.hpp"

namespace deliveryd::http {

struct AdminRouteOptions {
    std::string token;
    // Looks a message up; runs the blocking query elsewhere and resumes here.
    std::function<boost::asio::awaitable<std::optional<store::MessageRecord>>(std::string)>
        find_message;
    // A page of the messages a search finds (search, limit, cursor), likewise.
    std::function<boost::asio::awaitable<store::MessagePage>(store::MessageSearch, std::size_t,
                                                             std::string)>
        find_messages;
    // The overview page's numbers, likewise. Unset: the overview shows none.
    std::function<boost::asio::awaitable<store::AdminOverview>()> overview;
};

[[nodiscard]] Handler make_admin_routes(AdminRouteOptions options);

}  // namespace deliveryd::http
