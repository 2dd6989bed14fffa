// Runs a real binary (deliveryd, pgctl) for end-to-end tests, collecting its
// output on a background thread so a test can wait for a line with a deadline.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace deliveryd::testing {

class ChildProcess {
  public:
    ChildProcess(const std::string& executable, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& extra_env = {});
    ~ChildProcess();  // SIGKILLs the process if it still runs
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // The first output line containing `needle`, waiting up to `timeout`.
    [[nodiscard]] std::optional<std::string> wait_for_line(const std::string& needle,
                                                           std::chrono::milliseconds timeout);
    void send_signal(int signal);
    // The exit code, or nullopt if the process has not exited within `timeout`.
    [[nodiscard]] std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    [[nodiscard]] std::string output() const;
    [[nodiscard]] int pid() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

struct Completed {
    int exit_code = -1;
    std::string output;
};

// Runs to completion (killed after `timeout`, exit_code -1 then).
[[nodiscard]] Completed run_process(const std::string& executable,
                                    const std::vector<std::string>& args,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(60),
                                    const std::map<std::string, std::string>& extra_env = {});

// The port from a "listening on 127.0.0.1:PORT" log line.
[[nodiscard]] std::optional<unsigned short> port_from_listening_line(const std::string& line);

}  // namespace deliveryd::testing
