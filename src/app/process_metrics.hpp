// deliveryd_process_* gauges (resident memory, CPU time, open files), read
// from /proc at each scrape.
#pragma once

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace deliveryd::app {

class ProcessMetrics {
  public:
    explicit ProcessMetrics(prometheus::Registry& registry);
    void update();

  private:
    prometheus::Gauge& resident_bytes_;
    prometheus::Gauge& cpu_seconds_;
    prometheus::Gauge& open_fds_;
    prometheus::Gauge& start_time_;
};

}  // namespace deliveryd::app
