#include "support/daemon.hpp"

#include <filesystem>
#include <fstream>
#include <stdlib.h>
#include <thread>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include "support/http_get.hpp"

namespace deliveryd::testing {

using namespace std::chrono_literals;

std::string write_temp_file(const std::string& text, const std::string& suffix) {
    static int counter = 0;
    const auto path = ::testing::TempDir() + "deliveryd-" + std::to_string(::getpid()) + "-" +
                      std::to_string(counter++) + suffix;
    std::ofstream(path) << text;
    return path;
}

std::string daemon_config(const std::string& database_url, const std::string& extra) {
    return "database:\n  url: " + database_url +
           "\n  connect_timeout: 2s\nhttp:\n  listen: 127.0.0.1:0\n" + extra;
}

std::string admin_daemon_config(const std::string& database_url, unsigned short admin_port,
                                const std::string& token) {
    return daemon_config(database_url, "admin:\n  listen: 127.0.0.1:" + std::to_string(admin_port) +
                                           "\n  token: " + token + "\n");
}

Daemon::Daemon(const std::string& config_text, const std::map<std::string, std::string>& env)
    : config_path(write_temp_file(config_text, ".yaml")),
      process(DELIVERYD_BINARY, {"run", "--config", config_path}, env) {
    if (const auto line = process.wait_for_line("listening on", 20s)) {
        port = port_from_listening_line(*line).value_or(0);
    }
}

bool Daemon::wait_ready(std::chrono::milliseconds timeout) {
    return port != 0 && eventually_status(port, "/readyz", 200, timeout);
}

bool Daemon::wait_admin_ready() {
    return wait_ready() && process.wait_for_line("admin listener on", 5s).has_value();
}

double metric_value(unsigned short port, const std::string& series) {
    const auto body = http_get(port, "/metrics", 2s).body;
    const auto at = body.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stod(body.substr(at + series.size() + 2));
}

unsigned short free_local_port() {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor acceptor(
        ioc, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();
}

bool eventually_status(unsigned short port, const std::string& target, int status,
                       std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (http_get(port, target, 5s).status == status) {
            return true;
        }
        std::this_thread::sleep_for(200ms);
    }
    return false;
}

namespace {

bool pgctl(const std::vector<std::string>& args) {
    const auto done =
        run_process(std::string(DELIVERYD_SOURCE_DIR) + "/scripts/pgctl.sh", args, 120s);
    if (done.exit_code != 0) {
        ADD_FAILURE() << "pgctl.sh failed:\n" << done.output;
    }
    return done.exit_code == 0;
}

}  // namespace

PrivateCluster::PrivateCluster(Tls tls) : tls_(tls) {
    char pattern[] = "/tmp/deliveryd-itest-pg.XXXXXX";
    dir_ = ::mkdtemp(pattern);
    std::filesystem::permissions(dir_, std::filesystem::perms::all);
    port_ = 20000 + static_cast<int>((::getpid() * 7 + std::rand()) % 30000);
    start();
}

PrivateCluster::~PrivateCluster() {
    (void)stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

bool PrivateCluster::start() {
    return pgctl({tls_ == Tls::on ? "start-tls" : "start", dir_, std::to_string(port_)});
}

bool PrivateCluster::stop() {
    return pgctl({"stop", dir_});
}

std::string PrivateCluster::url() const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

}  // namespace deliveryd::testing
