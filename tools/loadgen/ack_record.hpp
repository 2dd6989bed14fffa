// The record of acknowledged SMSIDs. Part of tools/loadgen.
#pragma once

#include <cstdint>
#include <string>

namespace loadgen {

// The record of acknowledged SMSIDs: one write(2) per line on an O_APPEND
// descriptor, so whatever happens to deliveryd the kernel already has it.
class Record {
  public:
    explicit Record(const std::string& path);  // "" records nothing
    ~Record();
    Record(const Record&) = delete;
    Record& operator=(const Record&) = delete;

    // false when the line could not be written whole.
    bool append(const std::string& id, std::int64_t sent_us, std::int64_t answered_us);

  private:
    int fd_ = -1;
    std::string line_;
};

}  // namespace loadgen
