// The daemon's configuration: one typed struct, filled by one function and
// validated strictly, every problem reported at once with its key. Defaults live in the member
// initialisers; config/example.yaml documents every key next to its default.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "deliveryd/reconcile/settings.hpp"

namespace deliveryd::app {

using Duration = reconcile::Duration;

struct DatabaseConfig {
    std::string url;    // libpq URI or key=value string; required
    int pool_size = 8;  // connections shared by callbacks and polling
    Duration connect_timeout{std::chrono::seconds(5)};
    // Group commit of reports (callbacks and poll answers): at most this
    // many per transaction, this many transactions at once, and this many
    // waiting before new callbacks are answered 503 at once.
    int max_batch = 1000;
    int commits_in_flight = 1;  // more only with cores to spare (bench/README.md)
    int max_queued = 50'000;
};

struct HttpConfig {
    std::string listen = "0.0.0.0:8080";
    std::string callback_path = "/callback/esms";
    std::optional<std::string> callback_token;  // secret; when set, the path must end in it
    std::vector<std::string> allow_cidrs;       // empty: callbacks from anywhere
    int max_connections = 10'000;
    Duration read_timeout{std::chrono::seconds(10)};  // for a whole request, per request
    int threads = 1;                                  // io_context threads
    // On SIGTERM: answer /readyz 503 for this long before closing the
    // listener, so load balancers stop routing callbacks here first.
    Duration drain_delay{0};
};

// The read-only admin listener for support staff (message lookups). It is
// never the callback listener: that one faces the provider, this one only
// the inside of the deployment.
struct AdminConfig {
    std::string listen = "127.0.0.1:9090";
    std::optional<std::string> token;  // secret; unset: the admin listener is off
};

// The polling sections are reconcile's own types (it must not depend on
// app); here under the names the rest of the configuration uses.
using EsmsAccount = reconcile::EsmsAccount;
using EsmsConfig = reconcile::EsmsSettings;
using EtelecomConfig = reconcile::EtelecomSettings;
using ReconcileConfig = reconcile::ScheduleSettings;

// Rows final for longer than `after` move from delivery_state to
// delivery_state_archive, `batch` rows per transaction; `deliveryd
// retention` drops archive months that ended more than `drop_after` ago.
struct ArchiveConfig {
    Duration after{std::chrono::hours(24 * 90)};
    Duration drop_after{0};  // 0: archived rows are kept for good
    int batch = 1000;
};

// The change feed: NOTIFY on delivery_state_changed for every state a
// message enters (docs/feed.md).
struct FeedConfig {
    bool notify = false;
};

struct LogConfig {
    std::string level = "info";   // trace, debug, info, warn, error, critical, off
    std::string format = "text";  // text (terminal) or json (one object per line)
};

struct Config {
    DatabaseConfig database;
    HttpConfig http;
    AdminConfig admin;
    EsmsConfig esms;
    std::optional<EtelecomConfig> etelecom;
    ReconcileConfig reconcile;
    ArchiveConfig archive;
    FeedConfig feed;
    LogConfig log;
};

// Thrown by load_config with every problem found, each naming its YAML key.
class ConfigError : public std::runtime_error {
  public:
    explicit ConfigError(std::vector<std::string> problems);
    [[nodiscard]] const std::vector<std::string>& problems() const noexcept { return problems_; }

  private:
    std::vector<std::string> problems_;
};

// Looks up an environment variable; replaceable in tests.
using EnvLookup = std::optional<std::string> (*)(const std::string& name);
[[nodiscard]] std::optional<std::string> process_env(const std::string& name);

// Parses YAML text. `${NAME}` in any value is replaced from the environment
// (`${NAME:-fallback}` gives a fallback); a missing variable is an error.
[[nodiscard]] Config parse_config(const std::string& yaml_text, EnvLookup env = &process_env);
[[nodiscard]] Config load_config_file(const std::string& path, EnvLookup env = &process_env);

// The effective configuration as YAML, with every secret (API keys, secret
// keys, the callback token, the database password) replaced by "<redacted>".
[[nodiscard]] std::string to_redacted_yaml(const Config& config);

// What polling needs of the configuration, for the reconcile layer.
[[nodiscard]] reconcile::PollingSettings polling_settings(const Config& config);

// "250ms", "30s", "2m", "6h", "7d" -> milliseconds; nullopt if malformed.
[[nodiscard]] std::optional<Duration> parse_duration(std::string_view text);
[[nodiscard]] std::string format_duration(Duration d);

// The database URL with its password replaced, for logs and errors.
[[nodiscard]] std::string redact_database_url(const std::string& url);

}  // namespace deliveryd::app
