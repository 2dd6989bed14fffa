// GET <callback_path>[/<token>]?SMSID=...: the provider's status callback.
// Answers 200 "OK" only after the report is committed; 400 for
// malformed input (nothing stored); 401 when the configured token is missing
// and 404 when it is wrong; 403 for a peer outside http.allow_cidrs; 405 for
// another method; 503 while the database is unavailable (the provider retries).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <prometheus/registry.h>

#include "deliveryd/http/address_filter.hpp"
#include "deliveryd/http/server.hpp"
#include "deliveryd/store/ingest_batcher.hpp"

namespace deliveryd::http {

struct CallbackRouteOptions {
    std::string path;                  // http.callback_path
    std::optional<std::string> token;  // http.callback_token
    AddressFilter allowed;             // http.allow_cidrs
};

class CallbackRoute {
  public:
    CallbackRoute(CallbackRouteOptions options, store::IngestBatcher& batcher,
                  prometheus::Registry& registry);
    ~CallbackRoute();

    // True for targets this route answers: the callback path, alone or
    // followed by "/<anything>" (a token, right or wrong).
    [[nodiscard]] bool matches(std::string_view path) const;

    // The answer to one request; `answered` is told its status code as it
    // is given, and must outlive the awaitable.
    boost::asio::awaitable<Response> handle(const Request& request, const RequestContext& context,
                                            const std::function<void(unsigned)>& answered);

  private:
    struct Metrics;
    // The answer to a request refused before its query is read: a peer
    // outside the allowed addresses, a missing or wrong token, another path
    // or method. `path` is the request target's, without the query.
    [[nodiscard]] std::optional<Response> refusal(const Request& request,
                                                  const RequestContext& context,
                                                  std::string_view path) const;

    CallbackRouteOptions options_;
    store::IngestBatcher& batcher_;
    std::unique_ptr<Metrics> metrics_;
};

// Compares in time that depends only on `expected`'s length, so that the
// answer time tells nothing about how much of a guessed token was right.
[[nodiscard]] bool constant_time_equal(std::string_view expected, std::string_view given) noexcept;

}  // namespace deliveryd::http
