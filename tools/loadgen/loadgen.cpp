// loadgen: provider callbacks against deliveryd on 127.0.0.1 over N keep-alive
// connections, every report about a new SMSID (prefix + counter) in one of the
// query formats of the seed samples. Every SMSID answered 200 is appended to
// the record file at once (one write(2) per answer, so killing deliveryd loses
// nothing of the record); a 503 or a broken connection retries the same SMSID,
// as the provider would. Runs for --duration seconds or until SIGINT/SIGTERM,
// then prints one JSON summary line on stdout. Progress lines go to stderr.
// Exit codes: 0 ok, 1 the record could not be written, 2 bad usage.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "ack_record.hpp"
#include "options.hpp"
#include "query_formats.hpp"

namespace {

using namespace loadgen;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::int64_t unix_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct Counters {
    std::uint64_t sent = 0;         // requests written
    std::uint64_t ok = 0;           // answered 200 (recorded)
    std::uint64_t unavailable = 0;  // answered 503
    std::uint64_t other = 0;        // any other status
    std::uint64_t connects = 0;
    std::uint64_t connect_errors = 0;
    std::uint64_t io_errors = 0;  // a connection broke while writing or reading
    std::uint64_t timeouts = 0;   // connect, write or read took longer than --timeout-ms
    std::uint64_t record_errors = 0;
    std::map<unsigned, std::uint64_t> other_statuses;
};

struct State {
    State(Options o, std::vector<QueryFormat> f)
        : options(std::move(o)), formats(std::move(f)), record(options.record_path) {}

    Options options;
    std::vector<QueryFormat> formats;
    Record record;
    tcp::endpoint endpoint;
    std::string host;
    Counters counters;
    std::vector<std::uint32_t> ok_latency_us;
    std::uint64_t next_id = 0;
    bool stopping = false;
    int running = 0;
    Clock::time_point started = Clock::now();
    std::optional<Clock::time_point> stopped;
    asio::steady_timer* progress_timer = nullptr;
    asio::steady_timer* end_timer = nullptr;
    asio::signal_set* signals = nullptr;
};

void stop(State& s) {
    if (s.stopping) {
        return;
    }
    // Connections finish the exchange they are in (bounded by --timeout-ms),
    // so an answer already on its way still lands in the record.
    s.stopping = true;
    s.stopped = Clock::now();
    s.end_timer->cancel();
    s.signals->cancel();
    s.progress_timer->cancel();
}

void count_break(State& s, const boost::system::error_code& ec) {
    if (ec == beast::error::timeout) {
        ++s.counters.timeouts;
    } else {
        ++s.counters.io_errors;
    }
}

asio::awaitable<void> pause(milliseconds delay) {
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(use_tuple);
}

asio::awaitable<void> connection(State& s, std::size_t index) {
    const auto timeout = milliseconds(s.options.timeout_ms);
    std::string pending;  // the SMSID not acknowledged yet
    std::size_t format = index % s.formats.size();
    while (!s.stopping) {
        beast::tcp_stream stream(co_await asio::this_coro::executor);
        stream.expires_after(timeout);
        auto [connect_error] = co_await stream.async_connect(s.endpoint, use_tuple);
        if (connect_error) {
            if (connect_error == beast::error::timeout) {
                ++s.counters.timeouts;
            } else {
                ++s.counters.connect_errors;
            }
            co_await pause(milliseconds(s.options.reconnect_delay_ms));
            continue;
        }
        boost::system::error_code local_error;
        if (stream.socket().local_endpoint(local_error) == s.endpoint) {
            // TCP simultaneous open onto our own port while nobody listens:
            // let it go at once, it keeps the port from deliveryd.
            ++s.counters.connect_errors;
            stream.close();
            co_await pause(milliseconds(s.options.reconnect_delay_ms));
            continue;
        }
        ++s.counters.connects;
        stream.socket().set_option(tcp::no_delay(true));
        beast::flat_buffer buffer;
        bool broken = false;
        while (!s.stopping) {
            if (pending.empty()) {
                pending = s.options.prefix + std::to_string(++s.next_id);
                format = (format + 1) % s.formats.size();
            }
            const auto& f = s.formats[format];
            bhttp::request<bhttp::empty_body> request{
                bhttp::verb::get, s.options.path + "?" + f.before + pending + f.after, 11};
            request.set(bhttp::field::host, s.host);
            request.keep_alive(true);
            const auto sent_us = unix_us();
            const auto sent = Clock::now();
            stream.expires_after(timeout);
            auto [write_error, written] = co_await bhttp::async_write(stream, request, use_tuple);
            if (write_error) {
                count_break(s, write_error);
                broken = true;
                break;
            }
            ++s.counters.sent;
            bhttp::response_parser<bhttp::string_body> parser;
            parser.body_limit(1 << 16);
            auto [read_error, read] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
            if (read_error) {
                count_break(s, read_error);
                broken = true;
                break;
            }
            const auto& response = parser.get();
            const auto status = response.result_int();
            if (status == 200) {
                if (!s.record.append(pending, sent_us, unix_us())) {
                    ++s.counters.record_errors;
                }
                ++s.counters.ok;
                const auto us =
                    std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent)
                        .count();
                if (s.ok_latency_us.size() < 50'000'000) {
                    s.ok_latency_us.push_back(static_cast<std::uint32_t>(
                        std::min<std::int64_t>(us, std::numeric_limits<std::uint32_t>::max())));
                }
                pending.clear();
            } else if (status == 503) {
                ++s.counters.unavailable;  // not stored: the same SMSID again
            } else {
                ++s.counters.other;
                ++s.counters.other_statuses[status];
                pending.clear();
            }
            if (!response.keep_alive()) {
                break;
            }
        }
        boost::system::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream.close();
        if (broken && !s.stopping) {
            co_await pause(milliseconds(s.options.reconnect_delay_ms));
        }
    }
}

std::string counters_json(const State& s) {
    const auto& c = s.counters;
    std::string out = "\"sent\":" + std::to_string(c.sent) + ",\"ok\":" + std::to_string(c.ok) +
                      ",\"unavailable\":" + std::to_string(c.unavailable) +
                      ",\"other\":" + std::to_string(c.other) +
                      ",\"connects\":" + std::to_string(c.connects) +
                      ",\"connect_errors\":" + std::to_string(c.connect_errors) +
                      ",\"io_errors\":" + std::to_string(c.io_errors) +
                      ",\"timeouts\":" + std::to_string(c.timeouts) +
                      ",\"record_errors\":" + std::to_string(c.record_errors);
    return out;
}

// Up to now, or up to the moment the run was told to stop.
double elapsed_s(const State& s) {
    return std::chrono::duration<double>(s.stopped.value_or(Clock::now()) - s.started).count();
}

asio::awaitable<void> progress(State& s) {
    auto& timer = *s.progress_timer;
    while (!s.stopping) {
        timer.expires_after(milliseconds(s.options.progress_ms));
        co_await timer.async_wait(use_tuple);
        std::fprintf(stderr, "{\"event\":\"progress\",\"unix_ms\":%lld,\"elapsed_s\":%.3f,%s}\n",
                     static_cast<long long>(unix_us() / 1000), elapsed_s(s),
                     counters_json(s).c_str());
        std::fflush(stderr);
    }
}

std::string summary_json(State& s, double seconds) {
    auto& lat = s.ok_latency_us;
    std::sort(lat.begin(), lat.end());
    const auto quantile_ms = [&](double q) {
        if (lat.empty()) {
            return 0.0;
        }
        const auto at = static_cast<std::size_t>(q * static_cast<double>(lat.size() - 1));
        return static_cast<double>(lat[at]) / 1000.0;
    };
    std::string statuses;
    for (const auto& [status, n] : s.counters.other_statuses) {
        statuses +=
            (statuses.empty() ? "\"" : ",\"") + std::to_string(status) + "\":" + std::to_string(n);
    }
    const auto rate = [&](std::uint64_t n) {
        return seconds > 0 ? static_cast<double>(n) / seconds : 0.0;
    };
    char numbers[512];
    std::snprintf(numbers, sizeof numbers,
                  "\"elapsed_s\":%.3f,\"ok_per_s\":%.1f,\"answers_per_s\":%.1f,"
                  "\"latency_ms_ok\":{\"p50\":%.2f,\"p99\":%.2f,\"max\":%.2f}",
                  seconds, rate(s.counters.ok),
                  rate(s.counters.ok + s.counters.unavailable + s.counters.other), quantile_ms(0.5),
                  quantile_ms(0.99), quantile_ms(1.0));
    return "{\"event\":\"summary\",\"port\":" + std::to_string(s.options.port) +
           ",\"connections\":" + std::to_string(s.options.connections) + ",\"prefix\":\"" +
           s.options.prefix + "\",\"formats\":" + std::to_string(s.formats.size()) + "," +
           counters_json(s) + ",\"other_statuses\":{" + statuses + "}," + numbers + "}";
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<Options> options;
    std::vector<QueryFormat> formats;
    try {
        options = parse_options(argc, argv);
        if (!options) {
            std::cout << usage_text;
            return 0;
        }
        formats = load_formats(options->seeds_dir);
    } catch (const UsageError& e) {
        std::cerr << "loadgen: " << e.what() << "\n" << usage_text;
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);
    try {
        asio::io_context ioc(1);
        State s(*options, std::move(formats));
        s.endpoint = tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), s.options.port);
        s.host = "127.0.0.1:" + std::to_string(s.options.port);

        asio::signal_set signals(ioc, SIGINT, SIGTERM);
        asio::steady_timer end_timer(ioc);
        asio::steady_timer progress_timer(ioc);
        s.signals = &signals;
        s.end_timer = &end_timer;
        s.progress_timer = &progress_timer;
        signals.async_wait([&s](const boost::system::error_code& ec, int) {
            if (!ec) {
                stop(s);
            }
        });
        if (s.options.duration_s > 0) {
            end_timer.expires_after(std::chrono::duration_cast<Clock::duration>(
                std::chrono::duration<double>(s.options.duration_s)));
            end_timer.async_wait([&s](const boost::system::error_code& ec) {
                if (!ec) {
                    stop(s);
                }
            });
        }
        s.started = Clock::now();
        for (int i = 0; i < s.options.connections; ++i) {
            ++s.running;
            asio::co_spawn(ioc, connection(s, static_cast<std::size_t>(i)),
                           [&s](const std::exception_ptr& error) {
                               if (error) {
                                   try {
                                       std::rethrow_exception(error);
                                   } catch (const std::exception& e) {
                                       std::cerr << "loadgen: connection failed: " << e.what()
                                                 << "\n";
                                   }
                               }
                               if (--s.running == 0) {
                                   stop(s);  // nothing left to wait for
                               }
                           });
        }
        if (s.options.progress_ms > 0) {
            asio::co_spawn(ioc, progress(s), asio::detached);
        }
        ioc.run();
        std::cout << summary_json(s, elapsed_s(s)) << std::endl;
        return s.counters.record_errors == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "loadgen: " << e.what() << "\n";
        return 1;
    }
}
