// The effective configuration as YAML, for `deliveryd config` and the start-up
// log. Secrets never leave this file unredacted.
#include <algorithm>

#include <boost/url.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "deliveryd/app/config.hpp"
#include "deliveryd/store/conninfo.hpp"

namespace deliveryd::app {
namespace {

constexpr const char* redacted = "<redacted>";

std::string secret(const std::string& value) {
    return value.empty() ? "" : redacted;
}

void emit_duration_list(YAML::Emitter& out, const std::vector<Duration>& list) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto d : list) {
        out << format_duration(d);
    }
    out << YAML::EndSeq;
}

// The shortest text that reads back as the same double: 0.05, not
// yaml-cpp's 0.050000000000000003.
std::string number(double value) {
    return fmt::format("{}", value);
}

}  // namespace

std::string redact_database_url(const std::string& url) {
    if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
        auto parsed = boost::urls::parse_uri(url);
        if (!parsed) {
            return "<unparseable database url>";
        }
        boost::urls::url u(*parsed);
        if (u.has_password()) {
            u.set_password("REDACTED");
        }
        // password and sslpassword (set() invalidates: continue from what it returns).
        for (auto it = u.params().begin(); it != u.params().end(); ++it) {
            if ((*it).key.ends_with("password")) {
                it = u.params().set(it, "REDACTED");
            }
        }
        return std::string(u.buffer());
    }
    // key=value form (libpq conninfo): replace the value after "password =",
    // which may be 'quoted with \' escapes' or run to the next space.
    std::string out;
    std::size_t i = 0;
    while (i < url.size()) {
        const auto at = url.find("password", i);
        if (at == std::string::npos) {
            break;
        }
        auto j = at + 8;
        while (j < url.size() && url[j] == ' ') {
            ++j;
        }
        // "password" or "sslpassword", as a whole key.
        const bool starts_key =
            at == 0 || url[at - 1] == ' ' ||
            (at >= 3 && url.compare(at - 3, 3, "ssl") == 0 && (at == 3 || url[at - 4] == ' '));
        const bool is_key = starts_key && j < url.size() && url[j] == '=';
        if (!is_key) {
            out.append(url, i, j - i);
            i = j;
            continue;
        }
        ++j;
        while (j < url.size() && url[j] == ' ') {
            ++j;
        }
        if (j < url.size() && url[j] == '\'') {
            for (++j; j < url.size() && url[j] != '\''; ++j) {
                j += url[j] == '\\' ? 1 : 0;
            }
            ++j;
        } else {
            while (j < url.size() && url[j] != ' ') {
                ++j;
            }
        }
        out.append(url, i, at - i);
        out += "password=REDACTED";
        i = std::min(j, url.size());
    }
    out.append(url, std::min(i, url.size()), std::string::npos);
    return out;
}

std::string to_redacted_yaml(const Config& c) {
    YAML::Emitter out;
    out << YAML::BeginMap;

    out << YAML::Key << "database" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "url" << YAML::Value << redact_database_url(c.database.url);
    if (const auto params = store::parse_conninfo(c.database.url)) {
        // How the server will be checked, which the URL alone does not say
        // (libpq's defaults, the environment, the system CA bundle).
        out << YAML::Comment(
            store::tls_verification(*params, store::TlsEnvironment::of_process()).description);
    }
    out << YAML::Key << "pool_size" << YAML::Value << c.database.pool_size;
    out << YAML::Key << "connect_timeout" << YAML::Value
        << format_duration(c.database.connect_timeout);
    out << YAML::Key << "max_batch" << YAML::Value << c.database.max_batch;
    out << YAML::Key << "commits_in_flight" << YAML::Value << c.database.commits_in_flight;
    out << YAML::Key << "max_queued" << YAML::Value << c.database.max_queued;
    out << YAML::EndMap;

    out << YAML::Key << "http" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "listen" << YAML::Value << c.http.listen;
    out << YAML::Key << "callback_path" << YAML::Value << c.http.callback_path;
    out << YAML::Key << "callback_token" << YAML::Value << (c.http.callback_token ? redacted : "");
    out << YAML::Key << "allow_cidrs" << YAML::Value << YAML::Flow << c.http.allow_cidrs;
    out << YAML::Key << "max_connections" << YAML::Value << c.http.max_connections;
    out << YAML::Key << "read_timeout" << YAML::Value << format_duration(c.http.read_timeout);
    out << YAML::Key << "threads" << YAML::Value << c.http.threads;
    out << YAML::Key << "drain_delay" << YAML::Value << format_duration(c.http.drain_delay);
    out << YAML::EndMap;

    out << YAML::Key << "esms" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "api_base" << YAML::Value << c.esms.api_base;
    out << YAML::Key << "callback_api_base" << YAML::Value << c.esms.callback_api_base;
    out << YAML::Key << "accounts" << YAML::Value << YAML::BeginSeq;
    for (const auto& a : c.esms.accounts) {
        out << YAML::BeginMap;
        out << YAML::Key << "name" << YAML::Value << a.name;
        out << YAML::Key << "api_key" << YAML::Value << secret(a.api_key);
        out << YAML::Key << "secret_key" << YAML::Value << secret(a.secret_key);
        out << YAML::Key << "get_callback_tps" << YAML::Value << number(a.get_callback_tps);
        out << YAML::Key << "zalo_status_tps" << YAML::Value << number(a.zalo_status_tps);
        out << YAML::Key << "send_status_tps" << YAML::Value << number(a.send_status_tps);
        out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;

    if (c.etelecom) {
        out << YAML::Key << "etelecom" << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "base_url" << YAML::Value << c.etelecom->base_url;
        out << YAML::Key << "api_key" << YAML::Value << secret(c.etelecom->api_key);
        out << YAML::Key << "get_message_tps" << YAML::Value << number(c.etelecom->get_message_tps);
        out << YAML::EndMap;
    }

    out << YAML::Key << "reconcile" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "grace" << YAML::Value << format_duration(c.reconcile.grace);
    out << YAML::Key << "backoff" << YAML::Value;
    emit_duration_list(out, c.reconcile.backoff);
    out << YAML::Key << "window" << YAML::Value << format_duration(c.reconcile.window);
    out << YAML::Key << "tick" << YAML::Value << format_duration(c.reconcile.tick);
    out << YAML::Key << "lease" << YAML::Value << format_duration(c.reconcile.lease);
    out << YAML::Key << "request_timeout" << YAML::Value
        << format_duration(c.reconcile.request_timeout);
    out << YAML::Key << "rate_margin" << YAML::Value << number(c.reconcile.rate_margin);
    out << YAML::Key << "poll" << YAML::Value << c.reconcile.poll;
    out << YAML::EndMap;

    out << YAML::Key << "log" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "level" << YAML::Value << c.log.level;
    out << YAML::Key << "format" << YAML::Value << c.log.format;
    out << YAML::EndMap;

    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace deliveryd::app
