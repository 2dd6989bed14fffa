#include "deliveryd/store/conninfo.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>
#include <vector>

namespace deliveryd::store {
namespace {

// Where Debian's ca-certificates package writes every trusted public CA.
constexpr const char* debian_ca_bundle = "/etc/ssl/certs/ca-certificates.crt";

std::optional<std::string> environment(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        return std::nullopt;
    }
    return std::string(value);
}

// As libpq finds it: $HOME, else the password database.
std::string home_directory() {
    if (auto home = environment("HOME")) {
        return *home;
    }
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (getpwuid_r(geteuid(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
        found == nullptr || found->pw_dir == nullptr) {
        return {};
    }
    return found->pw_dir;
}

bool verifies(const std::string& mode) {
    return mode == "verify-ca" || mode == "verify-full";
}

std::string what_is_checked(const std::string& mode) {
    return mode == "verify-full" ? "certificate chain and host name"
                                 : "certificate chain, not the host name";
}

// keyword='value', quoted the way libpq's conninfo parser unquotes.
std::string conninfo_pair(const std::string& key, const std::string& value) {
    std::string out = key + "='";
    for (const char c : value) {
        if (c == '\'' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '\'';
    return out;
}

}  // namespace

std::span<const ConninfoParameter> keepalive_parameters() noexcept {
    static const std::array<ConninfoParameter, 5> parameters{{
        {"keepalives", "1"},
        {"keepalives_idle", "5"},
        {"keepalives_interval", "2"},
        {"keepalives_count", "3"},
        {"tcp_user_timeout", "10000"},
    }};
    return parameters;
}

std::optional<std::map<std::string, std::string>> parse_conninfo(const std::string& url) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
    // libpq's message can quote part of the text, a password included.
    PQfreemem(error);
    if (options == nullptr) {
        return std::nullopt;
    }
    std::map<std::string, std::string> params;
    for (const auto* o = options; o->keyword != nullptr; ++o) {
        if (o->val != nullptr) {
            params.emplace(o->keyword, o->val);
        }
    }
    PQconninfoFree(options);
    return params;
}

TlsEnvironment TlsEnvironment::of_process() {
    TlsEnvironment env;
    env.pgsslmode = environment("PGSSLMODE");
    env.pgsslrootcert = environment("PGSSLROOTCERT");
    // OpenSSL's own override of its default bundle, honoured as libpq 16 does.
    env.system_bundle = environment("SSL_CERT_FILE").value_or(debian_ca_bundle);
    const auto home = home_directory();
    std::error_code ec;
    env.home_root_crt =
        !home.empty() && std::filesystem::exists(home + "/.postgresql/root.crt", ec);
    return env;
}

TlsVerification tls_verification(const std::map<std::string, std::string>& params,
                                 const TlsEnvironment& env) {
    const auto param = [&](const char* key) -> std::optional<std::string> {
        const auto it = params.find(key);
        if (it == params.end() || it->second.empty()) {
            return std::nullopt;
        }
        return it->second;
    };
    TlsVerification v;
    const auto given_mode = param("sslmode") ? param("sslmode") : env.pgsslmode;
    v.sslmode = given_mode.value_or("prefer");
    const auto host = param("host");
    if (host && host->front() == '/' && !param("hostaddr")) {
        v.description = "Unix socket " + *host + ": no TLS";
        return v;
    }
    const auto root = param("sslrootcert") ? param("sslrootcert") : env.pgsslrootcert;

    if (root == "system") {
        // libpq 16's meaning: the system's trusted CAs, and nothing weaker
        // than verify-full, since anyone can get a publicly trusted
        // certificate for a host name of their own.
        v.sslrootcert = env.system_bundle;
        if (!given_mode) {
            v.sslmode = v.sslmode_override = "verify-full";
        } else if (v.sslmode != "verify-full") {
            v.problem =
                "sslrootcert=system needs sslmode=verify-full (or no sslmode), not " + v.sslmode;
        }
        v.description = "TLS, server verified (" + v.sslmode + ": " + what_is_checked(v.sslmode) +
                        ") against the system CA bundle " + v.sslrootcert;
        return v;
    }
    if (verifies(v.sslmode)) {
        std::string against;
        if (root) {
            against = *root;
        } else if (env.home_root_crt) {
            against = "~/.postgresql/root.crt";
        } else {
            v.sslrootcert = env.system_bundle;
            against = "the system CA bundle " + v.sslrootcert;
        }
        v.description = "TLS, server verified (" + v.sslmode + ": " + what_is_checked(v.sslmode) +
                        ") against " + against;
        return v;
    }
    if (v.sslmode == "disable") {
        v.description = "no TLS (sslmode=disable)";
    } else if (v.sslmode == "require") {
        // libpq's rule: with a root certificate file present, require
        // verifies the chain as verify-ca does.
        v.description = root || env.home_root_crt
                            ? "TLS required (sslmode=require); the certificate chain is "
                              "verified when the root certificate file exists"
                            : "TLS required (sslmode=require); the server's certificate is "
                              "not verified";
    } else {
        v.description = "TLS if the server offers it (sslmode=" + v.sslmode +
                        "); the server's certificate is not verified";
    }
    return v;
}

std::string effective_conninfo(const std::string& url, std::chrono::milliseconds connect_timeout,
                               std::span<const ConninfoParameter> more, const TlsEnvironment& env) {
    auto parsed = parse_conninfo(url);
    if (!parsed) {
        return url;  // libpq will report the problem, in its own words
    }
    auto& params = *parsed;
    // libpq counts the timeout in whole seconds and treats anything below 2 as 2.
    const auto seconds = std::max<std::int64_t>(
        2, std::chrono::duration_cast<std::chrono::seconds>(connect_timeout).count());
    for (const auto& [key, value] : more) {
        params.emplace(key, value);
    }
    params.emplace("connect_timeout", std::to_string(seconds));
    params.emplace("application_name", "deliveryd");
    const auto tls = tls_verification(params, env);
    if (!tls.sslrootcert.empty()) {
        params["sslrootcert"] = tls.sslrootcert;
    }
    if (!tls.sslmode_override.empty()) {
        params["sslmode"] = tls.sslmode_override;
    }
    std::string conninfo;
    for (const auto& [key, value] : params) {
        if (!conninfo.empty()) {
            conninfo += ' ';
        }
        conninfo += conninfo_pair(key, value);
    }
    return conninfo;
}

}  // namespace deliveryd::store
