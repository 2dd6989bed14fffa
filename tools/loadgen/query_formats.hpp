// The query formats of the seed callback samples, which loadgen fills with
// new SMSIDs. Part of tools/loadgen.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace loadgen {

// A seed query split around the value of its SMSID parameter.
struct QueryFormat {
    std::string before;  // ends with "SMSID="
    std::string after;   // "" or starts with "&"
};

// The format of one sample query, or nullopt when it has no SMSID.
[[nodiscard]] std::optional<QueryFormat> format_of(std::string query);

// The distinct formats of every callback_*.txt in `dir`, in file-name order.
// Throws UsageError when the folder cannot be read or has none.
[[nodiscard]] std::vector<QueryFormat> load_formats(const std::string& dir);

}  // namespace loadgen
