// The conninfo deliveryd hands libpq, and the rule that picks the root
// certificates verifying the server (no database: libpq only parses here).
#include <gtest/gtest.h>

#include "deliveryd/store/conninfo.hpp"

namespace deliveryd::store {
namespace {

using namespace std::chrono_literals;

TlsEnvironment bare_environment() {
    TlsEnvironment env;
    env.system_bundle = "/etc/ssl/certs/ca-certificates.crt";
    return env;
}

std::map<std::string, std::string> params_of(const std::string& url) {
    auto params = parse_conninfo(url);
    EXPECT_TRUE(params.has_value()) << url;
    return params.value_or(std::map<std::string, std::string>{});
}

TlsVerification verification_of(const std::string& url,
                                const TlsEnvironment& env = bare_environment()) {
    return tls_verification(params_of(url), env);
}

TEST(StoreConninfo, VerifyFullWithNoRootCertificateUsesTheSystemBundle) {
    const auto v = verification_of("postgresql://app@db.example.com/app?sslmode=verify-full");
    EXPECT_EQ(v.sslmode, "verify-full");
    EXPECT_EQ(v.sslrootcert, "/etc/ssl/certs/ca-certificates.crt");
    EXPECT_TRUE(v.problem.empty());
    EXPECT_NE(v.description.find("system CA bundle"), std::string::npos) << v.description;
    EXPECT_NE(v.description.find("host name"), std::string::npos) << v.description;

    const auto ca = verification_of("host=db.example.com sslmode=verify-ca");
    EXPECT_EQ(ca.sslrootcert, "/etc/ssl/certs/ca-certificates.crt");
    EXPECT_NE(ca.description.find("not the host name"), std::string::npos) << ca.description;
}

TEST(StoreConninfo, ARootCertificateNamedAnywhereStandsAsGiven) {
    EXPECT_EQ(
        verification_of("postgresql://db/app?sslmode=verify-full&sslrootcert=/ca.crt").sslrootcert,
        "");
    auto env = bare_environment();
    env.pgsslrootcert = "/etc/deliveryd/ca.crt";
    const auto from_env = verification_of("postgresql://db/app?sslmode=verify-full", env);
    EXPECT_EQ(from_env.sslrootcert, "");
    EXPECT_NE(from_env.description.find("/etc/deliveryd/ca.crt"), std::string::npos);

    env = bare_environment();
    env.home_root_crt = true;
    const auto home = verification_of("postgresql://db/app?sslmode=verify-full", env);
    EXPECT_EQ(home.sslrootcert, "");
    EXPECT_NE(home.description.find("~/.postgresql/root.crt"), std::string::npos);
}

TEST(StoreConninfo, SslmodeFromTheEnvironmentCounts) {
    auto env = bare_environment();
    env.pgsslmode = "verify-full";
    EXPECT_EQ(verification_of("postgresql://db/app", env).sslrootcert,
              "/etc/ssl/certs/ca-certificates.crt");
    // The URL's own sslmode wins over the environment, as in libpq.
    EXPECT_EQ(verification_of("postgresql://db/app?sslmode=require", env).sslrootcert, "");
}

TEST(StoreConninfo, SystemMeansTheBundleAndVerifyFull) {
    const auto v = verification_of("postgresql://db/app?sslrootcert=system");
    EXPECT_EQ(v.sslrootcert, "/etc/ssl/certs/ca-certificates.crt");
    EXPECT_EQ(v.sslmode_override, "verify-full");
    EXPECT_TRUE(v.problem.empty());

    auto env = bare_environment();
    env.pgsslrootcert = "system";
    env.system_bundle = "/custom/bundle.pem";
    EXPECT_EQ(verification_of("postgresql://db/app?sslmode=verify-full", env).sslrootcert,
              "/custom/bundle.pem");

    const auto weak = verification_of("postgresql://db/app?sslrootcert=system&sslmode=require");
    EXPECT_NE(weak.problem.find("verify-full"), std::string::npos) << weak.problem;
}

TEST(StoreConninfo, ModesThatDoNotVerifyAreLeftToLibpq) {
    for (const auto* url : {"postgresql://db/app", "postgresql://db/app?sslmode=require",
                            "postgresql://db/app?sslmode=disable", "host=/run/postgresql"}) {
        const auto v = verification_of(url);
        EXPECT_EQ(v.sslrootcert, "") << url;
        EXPECT_EQ(v.sslmode_override, "") << url;
        EXPECT_FALSE(v.description.empty()) << url;
    }
    EXPECT_NE(
        verification_of("postgresql://db/app?sslmode=require").description.find("not verified"),
        std::string::npos);
    EXPECT_NE(
        verification_of("host=/run/postgresql sslmode=verify-full").description.find("no TLS"),
        std::string::npos);
}

TEST(StoreConninfo, EffectiveConninfoKeepsEveryParameterAndAddsOnlyWhatIsMissing) {
    const std::vector<ConninfoParameter> more{{"application_name", "deliveryd-poller"},
                                              {"keepalives", "1"}};
    const auto conninfo = effective_conninfo(
        "postgresql://app:p%27a%5Css@db.example.com:6432,db2:6433/app?sslmode=verify-full"
        "&connect_timeout=7",
        3s, more, bare_environment());
    const auto params = params_of(conninfo);
    EXPECT_EQ(params.at("user"), "app");
    EXPECT_EQ(params.at("password"), "p'a\\ss");  // quoted and read back intact
    EXPECT_EQ(params.at("host"), "db.example.com,db2");
    EXPECT_EQ(params.at("port"), "6432,6433");
    EXPECT_EQ(params.at("dbname"), "app");
    EXPECT_EQ(params.at("connect_timeout"), "7");  // the URL's own value stands
    EXPECT_EQ(params.at("application_name"), "deliveryd-poller");
    EXPECT_EQ(params.at("keepalives"), "1");
    EXPECT_EQ(params.at("sslrootcert"), "/etc/ssl/certs/ca-certificates.crt");

    const auto plain =
        params_of(effective_conninfo("host=127.0.0.1 dbname=x", 500ms, {}, bare_environment()));
    EXPECT_EQ(plain.at("connect_timeout"), "2");  // libpq's floor
    EXPECT_EQ(plain.at("application_name"), "deliveryd");
    EXPECT_EQ(plain.count("sslrootcert"), 0U);
}

TEST(StoreConninfo, KeepalivesNoticeAVanishedServerWithinSeconds) {
    const auto params = params_of(
        effective_conninfo("postgresql://db/app", 5s, keepalive_parameters(), bare_environment()));
    EXPECT_EQ(params.at("keepalives"), "1");
    EXPECT_EQ(params.at("keepalives_idle"), "5");
    EXPECT_EQ(params.at("tcp_user_timeout"), "10000");
}

TEST(StoreConninfo, AnUnparseableUrlIsPassedOnForLibpqToReport) {
    EXPECT_FALSE(parse_conninfo("host='unterminated").has_value());
    EXPECT_EQ(effective_conninfo("host='unterminated", 5s, {}, bare_environment()),
              "host='unterminated");
}

}  // namespace
}  // namespace deliveryd::store
