// Reads the YAML configuration into Config. Every problem is collected with
// its key path ("esms.accounts[0].api_key: ...") and reported together, so an
// operator fixes a file in one round instead of one error per restart.
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "deliveryd/app/config.hpp"
#include "deliveryd/http/address_filter.hpp"
#include "deliveryd/store/conninfo.hpp"

#include "app/config_reader.hpp"

namespace deliveryd::app {
namespace {

using config_detail::Reader;

std::string join_problems(const std::vector<std::string>& problems) {
    std::string text = "invalid configuration:";
    for (const auto& p : problems) {
        text += "\n  " + p;
    }
    return text;
}

bool valid_listen(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        return false;
    }
    int port = -1;
    const auto* begin = listen.data() + colon + 1;
    const auto* end = listen.data() + listen.size();
    const auto [rest, ec] = std::from_chars(begin, end, port);
    return ec == std::errc{} && rest == end && port >= 0 && port <= 65535;
}

bool valid_http_base(const std::string& url) {
    return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

void read_database(Reader& r, const YAML::Node& node, DatabaseConfig& db) {
    if (!node.IsDefined()) {
        r.problem("database", "missing required section");
        return;
    }
    if (!r.section(node, "database",
                   {"url", "pool_size", "connect_timeout", "max_batch", "commits_in_flight",
                    "max_queued"})) {
        return;
    }
    r.read(node, "database", "url", db.url, true);
    if (!db.url.empty()) {
        // Parsed by libpq itself, as the connection will be: whatever it
        // accepts here it accepts when connecting. Its own message can quote
        // part of the text, a password included, so it is not passed on.
        const auto params = store::parse_conninfo(db.url);
        if (!params) {
            r.problem("database.url",
                      "libpq cannot parse it: use postgresql://user@host:port/dbname?param=value "
                      "or key=value pairs (host=... dbname=...), quotes closed and %-escapes "
                      "complete");
        } else if (const auto tls =
                       store::tls_verification(*params, store::TlsEnvironment::of_process());
                   !tls.problem.empty()) {
            r.problem("database.url", tls.problem);
        }
    }
    r.read_positive(node, "database", "pool_size", db.pool_size);
    r.read_duration(node, "database", "connect_timeout", db.connect_timeout);
    r.read_positive(node, "database", "max_batch", db.max_batch);
    r.read_positive(node, "database", "commits_in_flight", db.commits_in_flight);
    r.read_positive(node, "database", "max_queued", db.max_queued);
    if (db.commits_in_flight > db.pool_size) {
        r.problem("database.commits_in_flight",
                  "must not exceed database.pool_size (each commit holds a connection)");
    }
}

void read_http(Reader& r, const YAML::Node& node, HttpConfig& http) {
    if (!node.IsDefined() ||
        !r.section(node, "http",
                   {"listen", "callback_path", "callback_token", "allow_cidrs", "max_connections",
                    "read_timeout", "threads", "drain_delay"})) {
        return;
    }
    r.read(node, "http", "listen", http.listen);
    if (!valid_listen(http.listen)) {
        r.problem("http.listen", "expected host:port, found \"" + http.listen + "\"");
    }
    r.read(node, "http", "callback_path", http.callback_path);
    if (http.callback_path.empty() || http.callback_path.front() != '/' ||
        http.callback_path.find_first_of("?# ") != std::string::npos) {
        r.problem("http.callback_path", "must be a path starting with / (no ?, # or spaces)");
    }
    r.read(node, "http", "callback_token", http.callback_token);
    if (http.callback_token && http.callback_token->empty()) {
        http.callback_token.reset();  // an empty token means "no token", as if unset
    }
    if (http.callback_token && http.callback_token->find_first_of("/?#% ") != std::string::npos) {
        r.problem("http.callback_token", "must not contain /, ?, #, % or spaces");
    }
    if (auto cidrs = r.list(node, "http", "allow_cidrs")) {
        http.allow_cidrs = std::move(*cidrs);
        for (std::size_t i = 0; i < http.allow_cidrs.size(); ++i) {
            if (auto problem = deliveryd::http::AddressFilter::problem_with(http.allow_cidrs[i])) {
                r.problem("http.allow_cidrs[" + std::to_string(i) + "]", *problem);
            }
        }
    }
    r.read_positive(node, "http", "max_connections", http.max_connections);
    r.read_duration(node, "http", "read_timeout", http.read_timeout);
    r.read_positive(node, "http", "threads", http.threads);
    r.read_duration(node, "http", "drain_delay", http.drain_delay, /*allow_zero=*/true);
}

// A provider key present but empty is a ${VARIABLE} that was not set (or
// set to nothing), never a real key: refused here rather than sent to the
// provider, whose refusal would then read as revoked credentials.
void require_key(Reader& r, const YAML::Node& parent, const std::string& path, const char* key,
                 std::string& out, const char* turn_off) {
    r.read(parent, path, key, out, true);
    if (out.empty() && parent[key].IsDefined()) {
        r.problem(Reader::join(path, key),
                  std::string("is empty (is its environment variable set?); ") + turn_off);
    }
}

void read_esms(Reader& r, const YAML::Node& node, EsmsConfig& esms) {
    if (!node.IsDefined() ||
        !r.section(node, "esms", {"api_base", "callback_api_base", "accounts"})) {
        return;
    }
    r.read(node, "esms", "api_base", esms.api_base);
    r.read(node, "esms", "callback_api_base", esms.callback_api_base);
    for (const auto* key : {"api_base", "callback_api_base"}) {
        const auto& value =
            std::string_view(key) == "api_base" ? esms.api_base : esms.callback_api_base;
        if (!valid_http_base(value)) {
            r.problem(Reader::join("esms", key), "must start with http:// or https://");
        }
    }
    const auto accounts = node["accounts"];
    if (!accounts.IsDefined() || accounts.IsNull()) {
        return;
    }
    if (!accounts.IsSequence()) {
        r.problem("esms.accounts", "expected a list of accounts");
        return;
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < accounts.size(); ++i) {
        const auto path = "esms.accounts[" + std::to_string(i) + "]";
        const auto item = accounts[i];
        if (!r.section(item, path,
                       {"name", "api_key", "secret_key", "get_callback_tps", "zalo_status_tps",
                        "send_status_tps"})) {
            continue;
        }
        EsmsAccount account;
        r.read(item, path, "name", account.name, true);
        constexpr const char* remove_account = "remove the account to stop polling it";
        require_key(r, item, path, "api_key", account.api_key, remove_account);
        require_key(r, item, path, "secret_key", account.secret_key, remove_account);
        r.read_rate(item, path, "get_callback_tps", account.get_callback_tps);
        r.read_rate(item, path, "zalo_status_tps", account.zalo_status_tps);
        r.read_rate(item, path, "send_status_tps", account.send_status_tps);
        if (!account.name.empty() && !names.insert(account.name).second) {
            r.problem(path + ".name", "duplicate account name \"" + account.name + "\"");
        }
        esms.accounts.push_back(std::move(account));
    }
}

void read_etelecom(Reader& r, const YAML::Node& node, std::optional<EtelecomConfig>& out) {
    if (!node.IsDefined() || node.IsNull()) {
        return;
    }
    if (!r.section(node, "etelecom", {"base_url", "api_key", "get_message_tps"})) {
        return;
    }
    EtelecomConfig etelecom;
    r.read(node, "etelecom", "base_url", etelecom.base_url);
    if (!valid_http_base(etelecom.base_url)) {
        r.problem("etelecom.base_url", "must start with http:// or https://");
    }
    require_key(r, node, "etelecom", "api_key", etelecom.api_key,
                "leave the etelecom section out to turn eTelecom off");
    r.read_rate(node, "etelecom", "get_message_tps", etelecom.get_message_tps);
    out = std::move(etelecom);
}

void read_reconcile(Reader& r, const YAML::Node& node, ReconcileConfig& rc) {
    if (!node.IsDefined() || !r.section(node, "reconcile",
                                        {"grace", "backoff", "window", "tick", "lease",
                                         "request_timeout", "rate_margin", "poll"})) {
        return;
    }
    r.read_duration(node, "reconcile", "grace", rc.grace, /*allow_zero=*/true);
    r.read_duration(node, "reconcile", "window", rc.window);
    r.read_duration(node, "reconcile", "tick", rc.tick);
    r.read_duration(node, "reconcile", "lease", rc.lease);
    r.read_duration(node, "reconcile", "request_timeout", rc.request_timeout);
    r.read_share(node, "reconcile", "rate_margin", rc.rate_margin, 0.5);
    r.read(node, "reconcile", "poll", rc.poll);
    if (rc.lease < rc.request_timeout + 2 * rc.tick) {
        r.problem("reconcile.lease",
                  "must be at least reconcile.request_timeout + 2 x reconcile.tick (" +
                      format_duration(rc.request_timeout + 2 * rc.tick) +
                      "): a claimed message must not be claimed again while it is asked about");
    }
    if (const auto steps = r.list(node, "reconcile", "backoff")) {
        if (steps->empty()) {
            r.problem("reconcile.backoff", "needs at least one step");
        }
        std::vector<Duration> backoff;
        for (std::size_t i = 0; i < steps->size(); ++i) {
            const auto here = "reconcile.backoff[" + std::to_string(i) + "]";
            if (auto d = r.checked_duration((*steps)[i], here, false)) {
                backoff.push_back(*d);
            }
        }
        if (backoff.size() == steps->size() && !backoff.empty()) {
            rc.backoff = std::move(backoff);
        }
    }
}

void read_log(Reader& r, const YAML::Node& node, LogConfig& log) {
    if (!node.IsDefined() || !r.section(node, "log", {"level", "format"})) {
        return;
    }
    r.read(node, "log", "level", log.level);
    r.read(node, "log", "format", log.format);
    const std::set<std::string> levels{"trace", "debug",    "info", "warn",
                                       "error", "critical", "off"};
    if (!levels.contains(log.level)) {
        r.problem("log.level", "expected one of trace, debug, info, warn, error, critical, off");
    }
    if (log.format != "text" && log.format != "json") {
        r.problem("log.format", "expected text or json");
    }
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(join_problems(problems)), problems_(std::move(problems)) {}

std::optional<std::string> process_env(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
        return std::nullopt;
    }
    return std::string(value);
}

Config parse_config(const std::string& yaml_text, EnvLookup env) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        throw ConfigError({"line " + std::to_string(e.mark.line + 1) + ", column " +
                           std::to_string(e.mark.column + 1) + ": " + e.msg});
    }
    std::vector<std::string> problems;
    Reader r(env, problems);
    Config config;
    if (!root.IsMap()) {
        throw ConfigError({"(top level): expected a map of sections"});
    }
    if (r.section(root, "", {"database", "http", "esms", "etelecom", "reconcile", "log"})) {
        read_database(r, root["database"], config.database);
        read_http(r, root["http"], config.http);
        read_esms(r, root["esms"], config.esms);
        read_etelecom(r, root["etelecom"], config.etelecom);
        read_reconcile(r, root["reconcile"], config.reconcile);
        read_log(r, root["log"], config.log);
    }
    if (!problems.empty()) {
        throw ConfigError(std::move(problems));
    }
    return config;
}

reconcile::PollingSettings polling_settings(const Config& config) {
    return {.esms = config.esms,
            .etelecom = config.etelecom,
            .schedule = config.reconcile,
            .database_url = config.database.url,
            .connect_timeout = config.database.connect_timeout};
}

Config load_config_file(const std::string& path, EnvLookup env) {
    std::ifstream in(path);
    if (!in) {
        throw ConfigError({path + ": cannot open the configuration file"});
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), env);
}

}  // namespace deliveryd::app
