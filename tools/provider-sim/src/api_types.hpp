// Types shared by the request handlers: HTTP messages, credentials and the
// context a handler needs. Handlers are pure functions of (context, request,
// time) -> response; the server owns sockets and clocks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "clock.hpp"
#include "message_store.hpp"
#include "rate_window.hpp"
#include "stats.hpp"

namespace deliveryd::sim {

namespace http = boost::beast::http;
using http_request = http::request<http::string_body>;
using http_response = http::response<http::string_body>;

struct api_time {
    steady_time steady{};  // for rate windows
    sim_time sim{};        // for message timelines
};

// An eSMS account (--account name:api_key:secret_key).
struct account {
    std::string name;
    std::string api_key;
    std::string secret_key;
};

struct credentials {
    std::vector<account> esms{{"default", "sim-api-key", "sim-secret-key"}};
    std::string etelecom_key = "sim-etelecom-key";
    std::string etelecom_account = "default";  // account name of eTelecom messages

    // The account with exactly this key pair, or nullptr.
    [[nodiscard]] const account* find(std::string_view api_key, std::string_view secret_key) const;
};

// What GetSendStatus answers about an SMSID it cannot report (unknown, another
// account's, no status yet, older than 7 days). eSMS does not document it:
// its error table says 105 "not found", while its GetSendStatus sample shows a
// 101 echoing the SMSID, which its table calls wrong keys.
enum class unknown_id_answer { code_105, code_101 };

// The most entries a ListMessages page holds unless --list-messages-max-limit
// says otherwise; larger limits asked for are served as this.
constexpr std::size_t default_list_messages_max_limit = 100;

struct api_context {
    const message_store& store;
    const credentials& creds;
    rate_limiter& limiter;
    sim_stats& stats;
    std::string callback_url;  // echoed as CallbackUrl by GetCallback
    unknown_id_answer unknown_id = unknown_id_answer::code_105;
    std::size_t list_messages_max_limit = default_list_messages_max_limit;
};

// A response to `req` (same version and keep-alive) with a JSON body.
http_response json_response(const http_request& req, http::status status, std::string body);

}  // namespace deliveryd::sim
