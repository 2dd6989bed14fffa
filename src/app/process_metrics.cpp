#include "app/process_metrics.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sys/resource.h>
#include <unistd.h>

namespace deliveryd::app {
namespace {

prometheus::Gauge& gauge(prometheus::Registry& registry, const char* name, const char* help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

double seconds(const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

}  // namespace

ProcessMetrics::ProcessMetrics(prometheus::Registry& registry)
    : resident_bytes_(gauge(registry, "deliveryd_process_resident_memory_bytes",
                            "Resident memory of the deliveryd process")),
      cpu_seconds_(gauge(registry, "deliveryd_process_cpu_seconds",
                         "User and system CPU time used by the process since it started")),
      open_fds_(gauge(registry, "deliveryd_process_open_fds", "Open file descriptors")),
      start_time_(gauge(registry, "deliveryd_process_start_time_seconds",
                        "When the process started, in seconds since the Unix epoch")) {
    start_time_.Set(static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count()));
}

void ProcessMetrics::update() {
    // /proc/self/statm: size resident shared ... in pages.
    std::ifstream statm("/proc/self/statm");
    long pages_total = 0;
    long pages_resident = 0;
    if (statm >> pages_total >> pages_resident) {
        resident_bytes_.Set(static_cast<double>(pages_resident) *
                            static_cast<double>(sysconf(_SC_PAGESIZE)));
    }
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) == 0) {
        cpu_seconds_.Set(seconds(usage.ru_utime) + seconds(usage.ru_stime));
    }
    std::error_code ec;
    double fds = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
         it.increment(ec)) {
        ++fds;
    }
    open_fds_.Set(fds);
}

}  // namespace deliveryd::app
