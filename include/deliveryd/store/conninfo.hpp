// What deliveryd hands libpq: the configured database URL with a connect
// timeout, an application name, and the CA certificates that verify the
// server when the URL asks for verification.
//
// Debian 12's libpq (15) verifies a server certificate against
// ~/.postgresql/root.crt unless told otherwise; a container user has no home
// directory, so `sslmode=verify-full` to a managed PostgreSQL would fail with
// "root certificate file ... does not exist". deliveryd therefore verifies
// against the system's CA bundle when nothing else is named, which is what
// libpq 16 calls `sslrootcert=system` (also accepted here with that meaning).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>

namespace deliveryd::store {

using ConninfoParameter = std::pair<std::string, std::string>;

// The parameters libpq reads from a URI or key=value string, or nullopt when
// libpq cannot parse it.
[[nodiscard]] std::optional<std::map<std::string, std::string>> parse_conninfo(
    const std::string& url);

// libpq's TCP keepalive settings under which a server or network that
// vanishes without closing the socket is noticed within about 11 s, so a
// statement fails instead of blocking its thread until the kernel gives up
// (many minutes).
[[nodiscard]] std::span<const ConninfoParameter> keepalive_parameters() noexcept;

// What of the process libpq would consult for TLS, so the rule below can be
// decided (and tested) without touching the real environment.
struct TlsEnvironment {
    std::optional<std::string> pgsslmode;      // PGSSLMODE
    std::optional<std::string> pgsslrootcert;  // PGSSLROOTCERT
    std::string system_bundle;                 // SSL_CERT_FILE, else Debian's bundle
    bool home_root_crt = false;                // ~/.postgresql/root.crt exists

    [[nodiscard]] static TlsEnvironment of_process();
};

// How the server will be checked.
struct TlsVerification {
    std::string sslmode;  // the effective mode ("prefer" when nothing sets one)
    // Set when deliveryd must name the root certificates itself (the system
    // bundle); empty when libpq's own choice stands.
    std::string sslrootcert;
    // Set with sslrootcert when the mode must change too (`system` alone
    // implies verify-full, as in libpq 16).
    std::string sslmode_override;
    std::string description;  // one line for an operator, e.g. from check-config
    std::string problem;      // non-empty: settings that contradict each other
};

[[nodiscard]] TlsVerification tls_verification(const std::map<std::string, std::string>& params,
                                               const TlsEnvironment& env);

// The conninfo deliveryd connects with: the configured URL plus `more`, a
// connect timeout and application_name, each unless the URL (or an earlier
// one of these) sets it already, and the root certificates of
// tls_verification(). A URL libpq cannot parse is returned as it is, for
// libpq to report when connecting.
[[nodiscard]] std::string effective_conninfo(
    const std::string& url, std::chrono::milliseconds connect_timeout,
    std::span<const ConninfoParameter> more = {},
    const TlsEnvironment& env = TlsEnvironment::of_process());

}  // namespace deliveryd::store
