#include "support/child_process.hpp"

#include <condition_variable>
#include <mutex>
#include <signal.h>
#include <sys/prctl.h>
#include <thread>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>

namespace deliveryd::testing {

namespace bp = boost::process;

struct ChildProcess::Impl {
    bp::ipstream out;
    bp::child child;
    std::thread reader;
    mutable std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> lines;
    bool eof = false;

    Impl(const std::string& executable, const std::vector<std::string>& args,
         const std::map<std::string, std::string>& extra_env)
        : child(make_child(executable, args, extra_env, out)) {
        reader = std::thread([this] {
            std::string line;
            while (std::getline(out, line)) {
                std::lock_guard lock(mutex);
                lines.push_back(line);
                changed.notify_all();
            }
            std::lock_guard lock(mutex);
            eof = true;
            changed.notify_all();
        });
    }

    static bp::child make_child(const std::string& executable, const std::vector<std::string>& args,
                                const std::map<std::string, std::string>& extra_env,
                                bp::ipstream& out) {
        auto env = boost::this_process::environment();
        bp::environment child_env = env;
        for (const auto& [key, value] : extra_env) {
            child_env[key] = value;
        }
        // The child dies with the test process: a test that crashes (or is
        // killed by ctest's timeout) leaves no daemon or simulator behind.
        const auto die_with_parent =
            bp::extend::on_exec_setup = [](auto&) { ::prctl(PR_SET_PDEATHSIG, SIGKILL); };
        return bp::child(bp::exe = executable, bp::args = args, (bp::std_out & bp::std_err) > out,
                         bp::std_in.close(), child_env, die_with_parent);
    }
};

ChildProcess::ChildProcess(const std::string& executable, const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& extra_env)
    : impl_(std::make_unique<Impl>(executable, args, extra_env)) {}

ChildProcess::~ChildProcess() {
    std::error_code ec;
    if (impl_->child.running(ec)) {
        ::kill(impl_->child.id(), SIGKILL);
    }
    impl_->child.wait(ec);
    if (impl_->reader.joinable()) {
        impl_->reader.join();
    }
}

std::optional<std::string> ChildProcess::wait_for_line(const std::string& needle,
                                                       std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mutex);
    std::optional<std::string> found;
    impl_->changed.wait_for(lock, timeout, [&] {
        for (const auto& line : impl_->lines) {
            if (line.find(needle) != std::string::npos) {
                found = line;
                return true;
            }
        }
        return impl_->eof;
    });
    return found;
}

void ChildProcess::send_signal(int signal) {
    ::kill(impl_->child.id(), signal);
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::error_code ec;
    while (impl_->child.running(ec)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    impl_->child.wait(ec);
    if (impl_->reader.joinable()) {
        impl_->reader.join();
    }
    return impl_->child.exit_code();
}

std::string ChildProcess::output() const {
    std::lock_guard lock(impl_->mutex);
    std::string text;
    for (const auto& line : impl_->lines) {
        text += line + "\n";
    }
    return text;
}

int ChildProcess::pid() const {
    return impl_->child.id();
}

Completed run_process(const std::string& executable, const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout,
                      const std::map<std::string, std::string>& extra_env) {
    ChildProcess process(executable, args, extra_env);
    Completed done;
    if (const auto code = process.wait_exit(timeout)) {
        done.exit_code = *code;
    }
    done.output = process.output();
    return done;
}

std::optional<unsigned short> port_from_listening_line(const std::string& line) {
    const auto at = line.rfind(':');
    if (at == std::string::npos) {
        return std::nullopt;
    }
    try {
        return static_cast<unsigned short>(std::stoi(line.substr(at + 1)));
    } catch (...) {
        return std::nullopt;
    }
}

}  // namespace deliveryd::testing
