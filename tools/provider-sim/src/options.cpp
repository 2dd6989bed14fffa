#include "options.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>

#include "generator.hpp"
#include "time_format.hpp"

namespace deliveryd::sim {
namespace {

[[noreturn]] void bad(const std::string& name, const std::string& what) {
    throw options_error(name + ": " + what);
}

template <typename T>
T number(const std::string& name, const std::string& value) {
    T out{};
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (ec != std::errc{} || ptr != value.data() + value.size()) {
        bad(name, "not a number: " + value);
    }
    return out;
}

double fraction(const std::string& name, const std::string& value) {
    auto f = number<double>(name, value);
    if (!(f >= 0 && f <= 1)) {
        bad(name, "must be within [0, 1]");
    }
    return f;
}

milliseconds duration(const std::string& name, const std::string& value) {
    auto d = parse_duration(value);
    if (!d) {
        bad(name, "not a duration (250ms, 5s, 2m, 1h, 7d): " + value);
    }
    return *d;
}

int tps(const std::string& name, const std::string& value) {
    auto n = number<int>(name, value);
    if (n < 0) {
        bad(name, "must be >= 0 (0 = unlimited)");
    }
    return n;
}

std::vector<int> type_list(const std::string& name, const std::string& value) {
    std::vector<int> types;
    std::size_t at = 0;
    while (at <= value.size()) {
        const auto comma = std::min(value.find(',', at), value.size());
        const auto word = value.substr(at, comma - at);
        const auto type = word == "etelecom" ? etelecom_type : number<int>(name, word);
        if (type != etelecom_type && !generated_type(type)) {
            bad(name, "not a TypeId the generator makes (1, 2, 23, 24, 25, 26, 27) or etelecom: " +
                          std::to_string(type));
        }
        types.push_back(type);
        at = comma + 1;
    }
    return types;
}

void parse_listen(options& o, const std::string& value) {
    auto colon = value.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        bad("--listen", "expected HOST:PORT, e.g. 127.0.0.1:0");
    }
    o.listen_host = value.substr(0, colon);
    o.listen_port = number<unsigned short>("--listen", value.substr(colon + 1));
}

unknown_id_answer parse_unknown_id_code(const std::string& value) {
    if (value == "105") {
        return unknown_id_answer::code_105;
    }
    if (value == "101") {
        return unknown_id_answer::code_101;
    }
    bad("--unknown-id-code", "must be 105 or 101");
}

account parse_account(const std::string& value) {
    auto first = value.find(':');
    auto second = first == std::string::npos ? first : value.find(':', first + 1);
    if (second == std::string::npos || first == 0 || second == first + 1 ||
        second + 1 == value.size()) {
        bad("--account", "expected name:api_key:secret_key");
    }
    return {value.substr(0, first), value.substr(first + 1, second - first - 1),
            value.substr(second + 1)};
}

using setter = std::function<void(options&, const std::string&)>;

const std::map<std::string, setter>& setters() {
    static const std::map<std::string, setter> table{
        {"--listen", parse_listen},
        {"--messages-file", [](options& o, const std::string& v) { o.messages_file = v; }},
        {"--generate",
         [](options& o, const std::string& v) {
             o.generate = number<std::size_t>("--generate", v);
         }},
        {"--seed",
         [](options& o, const std::string& v) { o.seed = number<std::uint64_t>("--seed", v); }},
        {"--time-scale",
         [](options& o, const std::string& v) {
             o.time_scale = number<double>("--time-scale", v);
             if (!(o.time_scale > 0)) {
                 bad("--time-scale", "must be > 0");
             }
         }},
        {"--start-time",
         [](options& o, const std::string& v) {
             o.start_time = parse_rfc3339(v);
             if (!o.start_time) {
                 bad("--start-time", "not an RFC 3339 time: " + v);
             }
         }},
        {"--submit-spread",
         [](options& o, const std::string& v) {
             o.submit_spread = duration("--submit-spread", v);
         }},
        {"--no-etelecom-messages",
         [](options& o, const std::string&) { o.etelecom_messages = false; }},
        {"--account",
         [](options& o, const std::string& v) { o.creds.esms.push_back(parse_account(v)); }},
        {"--etelecom-key", [](options& o, const std::string& v) { o.creds.etelecom_key = v; }},
        {"--unknown-id-code",
         [](options& o, const std::string& v) { o.unknown_id = parse_unknown_id_code(v); }},
        {"--get-callback-tps",
         [](options& o, const std::string& v) {
             o.limits.get_callback = tps("--get-callback-tps", v);
         }},
        {"--zalo-status-tps",
         [](options& o, const std::string& v) {
             o.limits.zalo_status = tps("--zalo-status-tps", v);
         }},
        {"--send-status-tps",
         [](options& o, const std::string& v) {
             o.limits.get_send_status = tps("--send-status-tps", v);
         }},
        {"--query-zns-tps",
         [](options& o, const std::string& v) {
             o.limits.query_zns_status = tps("--query-zns-tps", v);
         }},
        {"--sent-data-tps",
         [](options& o, const std::string& v) {
             o.limits.sms_sent_data = tps("--sent-data-tps", v);
         }},
        {"--list-messages-tps",
         [](options& o, const std::string& v) {
             o.limits.etelecom_list_messages = tps("--list-messages-tps", v);
         }},
        {"--list-messages-max-limit",
         [](options& o, const std::string& v) {
             o.list_messages_max_limit = number<std::size_t>("--list-messages-max-limit", v);
             if (o.list_messages_max_limit < 1) {
                 bad("--list-messages-max-limit", "must be >= 1");
             }
         }},
        {"--zns-without-callback",
         [](options& o, const std::string& v) {
             o.zns_without_callback = fraction("--zns-without-callback", v);
         }},
        {"--only-types",
         [](options& o, const std::string& v) { o.only_types = type_list("--only-types", v); }},
        {"--get-message-tps",
         [](options& o, const std::string& v) {
             o.limits.etelecom_message = tps("--get-message-tps", v);
         }},
        {"--callback-url", [](options& o, const std::string& v) { o.callback_url = v; }},
        {"--callback-attempts",
         [](options& o, const std::string& v) {
             o.callbacks.attempts = number<int>("--callback-attempts", v);
             if (o.callbacks.attempts < 1) {
                 bad("--callback-attempts", "must be >= 1");
             }
         }},
        {"--callback-retry-delay",
         [](options& o, const std::string& v) {
             o.callbacks.retry_delay = duration("--callback-retry-delay", v);
         }},
        {"--callback-timeout",
         [](options& o, const std::string& v) {
             o.callbacks.timeout = duration("--callback-timeout", v);
         }},
        {"--callback-concurrency",
         [](options& o, const std::string& v) {
             o.callbacks.concurrency = number<std::size_t>("--callback-concurrency", v);
             if (o.callbacks.concurrency < 1) {
                 bad("--callback-concurrency", "must be >= 1");
             }
         }},
        {"--drop-callbacks",
         [](options& o, const std::string& v) {
             o.drop_callbacks = fraction("--drop-callbacks", v);
         }},
        {"--latency",
         [](options& o, const std::string& v) { o.faults.latency = duration("--latency", v); }},
        {"--latency-jitter",
         [](options& o, const std::string& v) {
             o.faults.latency_jitter = duration("--latency-jitter", v);
         }},
        {"--fault-5xx",
         [](options& o, const std::string& v) { o.faults.error_5xx = fraction("--fault-5xx", v); }},
        {"--fault-timeout",
         [](options& o, const std::string& v) {
             o.faults.timeout = fraction("--fault-timeout", v);
         }},
        {"--fault-malformed",
         [](options& o, const std::string& v) {
             o.faults.malformed = fraction("--fault-malformed", v);
         }},
        {"--fault-bad-code",
         [](options& o, const std::string& v) {
             o.faults.bad_code = fraction("--fault-bad-code", v);
         }},
        {"--fault-truncate",
         [](options& o, const std::string& v) {
             o.faults.truncated = fraction("--fault-truncate", v);
         }},
        {"--fault-reset",
         [](options& o, const std::string& v) { o.faults.reset = fraction("--fault-reset", v); }},
        {"--hang", [](options& o, const std::string& v) { o.faults.hang = duration("--hang", v); }},
        {"--read-timeout",
         [](options& o, const std::string& v) {
             o.server.read_timeout = duration("--read-timeout", v);
         }},
        {"--write-messages", [](options& o, const std::string& v) { o.write_messages = v; }},
        {"--log-level", [](options& o, const std::string& v) { o.log_level = v; }},
    };
    return table;
}

bool is_flag(const std::string& name) {
    return name == "--no-etelecom-messages";
}

}  // namespace

options parse_options(const std::vector<std::string>& args) {
    options o;
    auto default_accounts = std::move(o.creds.esms);
    o.creds.esms.clear();  // any --account replaces the default account
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i];
        if (name == "-h" || name == "--help") {
            o.help = true;
            continue;
        }
        std::string value;
        bool has_value = false;
        if (auto eq = name.find('='); eq != std::string::npos && name.starts_with("--")) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            has_value = true;
        }
        auto it = setters().find(name);
        if (it == setters().end()) {
            bad(name, "unknown option (see --help)");
        }
        if (!has_value && !is_flag(name)) {
            if (i + 1 >= args.size()) {
                bad(name, "missing value");
            }
            value = args[++i];
        }
        it->second(o, value);
    }
    if (auto problem = validate(o.faults); !problem.empty()) {
        bad("--fault-*", problem);
    }
    if (o.creds.esms.empty()) {
        o.creds.esms = std::move(default_accounts);
    }
    for (std::size_t i = 0; i < o.creds.esms.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (o.creds.esms[i].name == o.creds.esms[j].name ||
                o.creds.esms[i].api_key == o.creds.esms[j].api_key) {
                bad("--account", "duplicate account name or api key: " + o.creds.esms[i].name);
            }
        }
    }
    return o;
}

std::string usage() {
    return R"(provider-sim: eSMS and eTelecom stand-in for deliveryd tests (127.0.0.1 only)

Usage: provider-sim [options]

Server
  --listen HOST:PORT          address to serve (default 127.0.0.1:18080; port 0 = ephemeral)
  --read-timeout DUR          idle keep-alive timeout per read (default 30s)
  --log-level LEVEL           trace|debug|info|warn|error|off (default info; logs go to stderr)
Messages
  --messages-file PATH        load messages (JSON, see docs/provider-sim.md)
  --generate N                generate N messages when no file is given (default 100)
  --seed S                    seed for generation, drops and faults (default 1)
  --submit-spread DUR         spread generated submissions over DUR of simulated time (default 0)
  --no-etelecom-messages      generate eSMS messages only
  --only-types LIST           generate only these eSMS TypeIds, e.g. 24,25, and eTelecom ZNS
                              if the list holds "etelecom" (default: the whole mix)
  --zns-without-callback F    share of generated ZNS 24/25 sent without a CallbackUrl (default 0)
  --time-scale X              simulated seconds per real second (default 1)
  --start-time RFC3339        simulated time at start (default now)
  --write-messages PATH       write the message set in file format and exit
Credentials and limits (sliding 1 s window per API key and endpoint; 0 = unlimited)
  --account NAME:KEY:SECRET   eSMS account; repeatable (default default:sim-api-key:sim-secret-key)
  --etelecom-key KEY          eTelecom Bearer key (default sim-etelecom-key)
  --unknown-id-code CODE      GetSendStatus code for an SMSID it cannot report: 105 (default)
                              or 101 (the SMSID echoed, as eSMS's sample shows)
  --get-callback-tps N        GetCallback (default 20)
  --zalo-status-tps N         GetZaloMessageStatus (default 30)
  --send-status-tps N         GetSendStatus (default 10)
  --get-message-tps N         eTelecom GetMessage (default 10)
  --query-zns-tps N           QueryZnsStatus (default 100)
  --sent-data-tps N           GetSmsSentData_V2 (default 1)
  --list-messages-tps N       eTelecom ListMessages (default 1)
  --list-messages-max-limit N most entries per ListMessages page; larger limits are served
                              as N (default 100)
Callbacks (HTTP GET as eSMS sends them)
  --callback-url URL          http:// receiver; none = callbacks are only counted
  --callback-attempts N       tries per callback (default 5)
  --callback-retry-delay DUR  between tries (default 1s)
  --callback-timeout DUR      per try (default 5s)
  --callback-concurrency N    requests in flight at most (default 16)
  --drop-callbacks F          share of callbacks never sent (default 0)
Faults on provider endpoints (shares per request; also POST /sim/faults)
  --latency DUR               fixed delay before each answer (default 0)
  --latency-jitter DUR        plus uniform random [0, DUR] (default 0)
  --fault-5xx F               answer 503 (eSMS) / 500 (eTelecom)
  --fault-timeout F           never answer; hold the connection for --hang (default 30s)
  --fault-malformed F         complete answer with cut-off JSON
  --fault-bad-code F          well-formed answer with result code 99
  --fault-truncate F          promise the whole body, send half, close
  --fault-reset F             reset the connection without answering
)";
}

}  // namespace deliveryd::sim
