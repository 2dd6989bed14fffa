// A real `deliveryd run` for end-to-end tests, and a PostgreSQL cluster of a
// test's own (for tests that stop the database without disturbing others).
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "support/child_process.hpp"

namespace deliveryd::testing {

// Writes `text` to a fresh file under the test temp dir; returns its path.
[[nodiscard]] std::string write_temp_file(const std::string& text, const std::string& suffix);

// A minimal configuration: the database, 127.0.0.1 on a free port, and `extra`
// YAML appended under it (indent continuing the http: section works).
[[nodiscard]] std::string daemon_config(const std::string& database_url,
                                        const std::string& extra = "");

// daemon_config() with the admin listener on `admin_port` of 127.0.0.1,
// guarded by `token`.
[[nodiscard]] std::string admin_daemon_config(const std::string& database_url,
                                              unsigned short admin_port, const std::string& token);

struct Daemon {
    explicit Daemon(const std::string& config_text,
                    const std::map<std::string, std::string>& env = {});
    std::string config_path;  // the file it runs on (a test may rewrite it, then SIGHUP)
    ChildProcess process;
    unsigned short port = 0;  // 0 when it did not start

    // True once /readyz answers 200: the database is reachable and migrated
    // and deliveryd has written its settings, so rows registered from now on
    // take the configured reconcile.grace as their first poll delay.
    [[nodiscard]] bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // wait_ready(), then the admin listener open too (admin_daemon_config).
    [[nodiscard]] bool wait_admin_ready();
};

// The value of one series (name and labels as /metrics writes them, e.g.
// `deliveryd_poll_replicas` or `x_total{result="applied"}`) of the daemon on
// `port`; -1 when it is not there.
[[nodiscard]] double metric_value(unsigned short port, const std::string& series);

// A TCP port on 127.0.0.1 that was free a moment ago (for a process that must
// be told its port before it starts, e.g. deliveryd behind a simulator's
// --callback-url).
[[nodiscard]] unsigned short free_local_port();

// Polls GET `target` until it answers `status` or `timeout` passes.
[[nodiscard]] bool eventually_status(unsigned short port, const std::string& target, int status,
                                     std::chrono::milliseconds timeout);

class PrivateCluster {
  public:
    enum class Tls { off, on };
    // Tls::on: the server speaks TLS with a certificate for "localhost"
    // (no other name) signed by a throwaway CA, tls_dir()/ca.crt;
    // tls_dir()/other-ca.crt is a CA that signed nothing here.
    explicit PrivateCluster(Tls tls = Tls::off);
    ~PrivateCluster();
    PrivateCluster(const PrivateCluster&) = delete;
    PrivateCluster& operator=(const PrivateCluster&) = delete;

    bool start();
    bool stop();
    [[nodiscard]] std::string url() const;
    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] std::string tls_dir() const { return dir_ + "/tls"; }

  private:
    std::string dir_;
    int port_ = 0;
    Tls tls_ = Tls::off;
};

}  // namespace deliveryd::testing
