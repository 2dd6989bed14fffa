// Helpers for the simulator's tests: seed samples, JSON structure
// comparison, an HTTP client and a callback receiver on 127.0.0.1 with
// deadlines (nothing here can hang a test).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include "api_types.hpp"
#include "message.hpp"

namespace deliveryd::sim::test {

using namespace std::chrono_literals;

std::string read_data_file(const std::string& name);
boost::json::value parse_json(std::string_view text);
boost::json::value data_json(const std::string& name);

// Differences in structure between `expected` and `actual`: missing or extra
// members, or a different JSON type (integers and doubles are told apart; an
// empty array matches any array). Paths in `free_form` are only checked for
// their own type (objects with arbitrary keys, such as template_data).
std::vector<std::string> structure_diff(const boost::json::value& expected,
                                        const boost::json::value& actual,
                                        const std::set<std::string>& free_form = {});

// structure_diff as a gtest assertion, printing the differences and `actual`.
::testing::AssertionResult same_structure(const boost::json::value& expected,
                                          const boost::json::value& actual,
                                          const std::set<std::string>& free_form = {});

// Names of the query parameters, in order.
std::vector<std::string> query_names(std::string_view query);
// The raw (still encoded) value of one parameter.
std::string query_value(std::string_view query, std::string_view name);

// A request as deliveryd would send it.
http_request make_request(http::verb method, std::string target, std::string body = {},
                          std::string content_type = "application/json");

// One HTTP exchange with 127.0.0.1:port; ec set on failure or after `timeout`.
struct http_result {
    boost::system::error_code ec;
    http_response response;
};
http_result http_call(unsigned short port, http_request req,
                      std::chrono::milliseconds timeout = 5000ms);

// Several requests over one keep-alive connection.
std::vector<http_result> http_calls_keep_alive(unsigned short port, std::vector<http_request> reqs,
                                               std::chrono::milliseconds timeout = 5000ms);

// An HTTP receiver on 127.0.0.1:0 in its own thread: the first `fail_first`
// requests get 500 (or no answer at all when `hang_on_fail`), later ones 200.
class callback_receiver {
  public:
    explicit callback_receiver(int fail_first, bool hang_on_fail = false);
    ~callback_receiver();
    callback_receiver(const callback_receiver&) = delete;
    callback_receiver& operator=(const callback_receiver&) = delete;

    [[nodiscard]] unsigned short port() const { return port_; }
    [[nodiscard]] std::vector<std::string> targets() const;
    [[nodiscard]] int requests() const { return requests_.load(); }

  private:
    friend struct receiver_access;
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    int fail_first_;
    bool hang_on_fail_;
    std::atomic<int> requests_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> targets_;
    std::thread thread_;
};

// Runs `ioc` in slices until `done()` or the deadline; true when done.
bool run_until(boost::asio::io_context& ioc, const std::function<bool()>& done,
               std::chrono::milliseconds deadline = 10000ms);

// Builders for test messages.
status_event event_at(std::int64_t at_ms, int send_status, int success = 0, int failed = 0,
                      std::optional<zalo_error> error = std::nullopt);
message zns_message(std::string sms_id, std::string partner_id, sim_time submitted,
                    int type_id = 25);

}  // namespace deliveryd::sim::test
