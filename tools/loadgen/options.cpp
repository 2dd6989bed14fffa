#include "options.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <unistd.h>

namespace loadgen {
namespace {

int to_int(const std::string& name, const std::string& text, int low, int high) {
    std::size_t used = 0;
    long value = 0;
    try {
        value = std::stol(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty() || value < low || value > high) {
        throw UsageError(name + ": expected a whole number from " + std::to_string(low) + " to " +
                         std::to_string(high) + ", got '" + text + "'");
    }
    return static_cast<int>(value);
}

bool safe_prefix(const std::string& prefix) {
    return std::all_of(prefix.begin(), prefix.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

}  // namespace

const char* const usage_text =
    "usage: loadgen --port PORT [options]\n"
    "  Callbacks to http://127.0.0.1:PORT over keep-alive connections, each about a\n"
    "  new SMSID; every SMSID answered 200 is appended to the record file as\n"
    "  '<sms_id> <sent_unix_us> <answered_unix_us>'. A 503 or a broken connection\n"
    "  retries the same SMSID (on a new connection after a break).\n"
    "  --connections N        keep-alive connections (default 32)\n"
    "  --duration SECONDS     run this long; 0 runs until SIGINT/SIGTERM (default 10)\n"
    "  --record FILE          where acknowledged SMSIDs go (appended; default: none)\n"
    "  --prefix TEXT          SMSID prefix, [A-Za-z0-9._-] (default lg-<pid>-<unix time>-)\n"
    "  --seeds DIR            folder of callback_*.txt query samples (default: the tree's)\n"
    "  --path PATH            callback path (default /callback/esms)\n"
    "  --progress-ms MS       a JSON progress line on stderr every MS (default 0: none)\n"
    "  --timeout-ms MS        connect, write and read limit per request (default 10000)\n"
    "  --reconnect-delay-ms MS  pause before reconnecting after an error (default 20)\n"
    "Prints one JSON summary line on stdout. Exit: 0 ok, 1 record write failed, 2 usage.\n";

std::optional<Options> parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string name = argv[i];
        if (name == "--help" || name == "-h") {
            return std::nullopt;
        }
        if (i + 1 >= argc) {
            throw UsageError(name + ": missing value (or unknown option)");
        }
        const std::string value = argv[++i];
        if (name == "--port") {
            o.port = static_cast<unsigned short>(to_int(name, value, 1, 65535));
        } else if (name == "--connections") {
            o.connections = to_int(name, value, 1, 10000);
        } else if (name == "--duration") {
            try {
                std::size_t used = 0;
                o.duration_s = std::stod(value, &used);
                if (used != value.size() || o.duration_s < 0) {
                    throw UsageError("");
                }
            } catch (const std::exception&) {
                throw UsageError(name + ": expected seconds >= 0, got '" + value + "'");
            }
        } else if (name == "--record") {
            o.record_path = value;
        } else if (name == "--prefix") {
            o.prefix = value;
        } else if (name == "--seeds") {
            o.seeds_dir = value;
        } else if (name == "--path") {
            o.path = value;
        } else if (name == "--progress-ms") {
            o.progress_ms = to_int(name, value, 0, 3600000);
        } else if (name == "--timeout-ms") {
            o.timeout_ms = to_int(name, value, 1, 3600000);
        } else if (name == "--reconnect-delay-ms") {
            o.reconnect_delay_ms = to_int(name, value, 0, 60000);
        } else {
            throw UsageError("unknown option " + name);
        }
    }
    if (o.port == 0) {
        throw UsageError("--port is required");
    }
    if (o.prefix.empty()) {
        const auto unix_s = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        o.prefix = "lg-" + std::to_string(::getpid()) + "-" + std::to_string(unix_s) + "-";
    }
    if (!safe_prefix(o.prefix) || o.prefix.size() > 100) {
        throw UsageError("--prefix: up to 100 of [A-Za-z0-9._-]");
    }
    if (o.path.empty() || o.path[0] != '/' || o.path.find_first_of("?# ") != std::string::npos) {
        throw UsageError("--path: an absolute path without query");
    }
    return o;
}

}  // namespace loadgen
