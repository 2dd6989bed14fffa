#include "ack_record.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace loadgen {

Record::Record(const std::string& path) {
    if (!path.empty()) {
        fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd_ < 0) {
            throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
        }
    }
}
Record::~Record() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

bool Record::append(const std::string& id, std::int64_t sent_us, std::int64_t answered_us) {
    if (fd_ < 0) {
        return true;
    }
    line_.clear();
    line_ += id;
    line_ += ' ';
    line_ += std::to_string(sent_us);
    line_ += ' ';
    line_ += std::to_string(answered_us);
    line_ += '\n';
    std::size_t done = 0;
    while (done < line_.size()) {
        const auto n = ::write(fd_, line_.data() + done, line_.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace loadgen
