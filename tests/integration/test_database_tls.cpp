// deliveryd against a PostgreSQL that speaks TLS with a certificate from a
// throwaway CA, the way it meets a managed database: verify-full accepts the
// right CA and host name and refuses anything else, and with no root
// certificate named it checks the system's CA bundle, never a file in a home
// directory the container's user does not have.
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/errors.hpp"

#include "support/child_process.hpp"
#include "support/daemon.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;
using testing::PrivateCluster;

class DatabaseTls : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (!testing::admin_url().empty()) {
            cluster_ = new PrivateCluster(PrivateCluster::Tls::on);
        }
    }
    static void TearDownTestSuite() {
        delete cluster_;
        cluster_ = nullptr;
    }
    void SetUp() override { DELIVERYD_REQUIRE_DATABASE(); }

    static std::string url(const std::string& host, const std::string& params) {
        return "postgresql://postgres@" + host + ":" + std::to_string(cluster_->port()) +
               "/postgres?" + params;
    }
    static std::string ca() { return cluster_->tls_dir() + "/ca.crt"; }

    // The TLS version of the session, or what refused the connection.
    static std::string session_tls(const std::string& database_url) {
        store::ConnectionPool pool(store::PoolOptions{.url = database_url, .size = 1});
        std::string result;
        try {
            pool.with_connection([&](pqxx::connection_base& c) {
                pqxx::nontransaction tx(c);
                const auto row = tx.exec1(
                    "SELECT coalesce(version, 'no TLS') FROM pg_stat_ssl "
                    "WHERE pid = pg_backend_pid()");
                result = row[0].as<std::string>();
            });
        } catch (const store::DatabaseUnavailable& e) {
            result = std::string("refused: ") + e.what();
        }
        return result;
    }

    // `deliveryd migrate` as the image's init container runs it: a user
    // whose home directory does not exist.
    static testing::Completed migrate(const std::string& database_url,
                                      std::map<std::string, std::string> env = {}) {
        env.emplace("HOME", "/nonexistent");
        const auto config = testing::write_temp_file(testing::daemon_config(database_url), ".yaml");
        return testing::run_process(DELIVERYD_BINARY, {"migrate", "--config", config}, 60s, env);
    }

    static PrivateCluster* cluster_;
};

PrivateCluster* DatabaseTls::cluster_ = nullptr;

TEST_F(DatabaseTls, VerifyFullWithTheRightCaAndHostNameConnectsOverTls) {
    EXPECT_EQ(session_tls(url("localhost", "sslmode=verify-full&sslrootcert=" + ca())), "TLSv1.3");
    EXPECT_EQ(session_tls(url("localhost", "sslmode=verify-ca&sslrootcert=" + ca())), "TLSv1.3");
}

TEST_F(DatabaseTls, AHostNameTheCertificateDoesNotNameIsRefused) {
    const auto result = session_tls(url("127.0.0.1", "sslmode=verify-full&sslrootcert=" + ca()));
    EXPECT_NE(result.find("refused: could not connect to the database over TLS"), std::string::npos)
        << result;
    EXPECT_NE(result.find("does not match host name \"127.0.0.1\""), std::string::npos) << result;
    // verify-ca checks the chain only, so the same address is accepted.
    EXPECT_EQ(session_tls(url("127.0.0.1", "sslmode=verify-ca&sslrootcert=" + ca())), "TLSv1.3");
}

TEST_F(DatabaseTls, ACertificateFromAnotherCaIsRefused) {
    const auto result = session_tls(url(
        "localhost", "sslmode=verify-full&sslrootcert=" + cluster_->tls_dir() + "/other-ca.crt"));
    EXPECT_NE(result.find("over TLS"), std::string::npos) << result;
    EXPECT_NE(result.find("certificate verify failed"), std::string::npos) << result;
}

TEST_F(DatabaseTls, WithNoRootCertificateNamedTheSystemBundleDecides) {
    // The throwaway CA is in no system bundle: refused for the certificate,
    // not for a missing ~/.postgresql/root.crt.
    const auto refused = migrate(url("localhost", "sslmode=verify-full"));
    EXPECT_EQ(refused.exit_code, 1) << refused.output;
    EXPECT_NE(refused.output.find("certificate verify failed"), std::string::npos)
        << refused.output;
    EXPECT_EQ(refused.output.find("root.crt"), std::string::npos) << refused.output;

    // A bundle that holds the CA (a public CA is in Debian's) is trusted with
    // nothing else configured; SSL_CERT_FILE stands in for that bundle here.
    const auto trusted =
        migrate(url("localhost", "sslmode=verify-full"), {{"SSL_CERT_FILE", ca()}});
    EXPECT_EQ(trusted.exit_code, 0) << trusted.output;
    const auto system = migrate(url("localhost", "sslrootcert=system"), {{"SSL_CERT_FILE", ca()}});
    EXPECT_EQ(system.exit_code, 0) << system.output;
    const auto wrong_name =
        migrate(url("127.0.0.1", "sslrootcert=system"), {{"SSL_CERT_FILE", ca()}});
    EXPECT_EQ(wrong_name.exit_code, 1) << wrong_name.output;  // system implies verify-full
}

TEST_F(DatabaseTls, APrivateCaIsOneSettingAway) {
    const auto in_url = migrate(url("localhost", "sslmode=verify-full&sslrootcert=" + ca()));
    EXPECT_EQ(in_url.exit_code, 0) << in_url.output;
    const auto from_env =
        migrate(url("localhost", "sslmode=verify-full"), {{"PGSSLROOTCERT", ca()}});
    EXPECT_EQ(from_env.exit_code, 0) << from_env.output;
}

TEST_F(DatabaseTls, CheckConfigSaysHowTheServerIsVerified) {
    const auto config = testing::write_temp_file(
        testing::daemon_config(url("db.example.com", "sslmode=verify-full")), ".yaml");
    const auto done = testing::run_process(DELIVERYD_BINARY, {"check-config", "--config", config},
                                           30s, {{"HOME", "/nonexistent"}});
    EXPECT_EQ(done.exit_code, 0) << done.output;
    EXPECT_NE(done.output.find("verify-full: certificate chain and host name) against the "
                               "system CA bundle"),
              std::string::npos)
        << done.output;

    const auto weak = testing::write_temp_file(
        testing::daemon_config(url("db.example.com", "sslmode=require&sslrootcert=system")),
        ".yaml");
    const auto refused =
        testing::run_process(DELIVERYD_BINARY, {"check-config", "--config", weak}, 30s);
    EXPECT_EQ(refused.exit_code, 2) << refused.output;
    EXPECT_NE(refused.output.find("database.url"), std::string::npos) << refused.output;
    EXPECT_NE(refused.output.find("sslrootcert=system needs sslmode=verify-full"),
              std::string::npos)
        << refused.output;
}

}  // namespace
}  // namespace deliveryd
