// The options after `deliveryd COMMAND`: each command declares which it
// takes, and anything else is a usage error naming the argument. Private to
// app/.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace deliveryd::app {

struct OptionSpec {
    std::string_view name;  // "--state"
    bool takes_value = true;
    bool repeatable = false;
};

class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class ParsedArgs {
  public:
    [[nodiscard]] bool has(std::string_view name) const { return values_.contains(name); }
    [[nodiscard]] std::optional<std::string> value(std::string_view name) const;
    [[nodiscard]] std::vector<std::string> values(std::string_view name) const;

    bool help = false;

  private:
    friend ParsedArgs parse_args(std::span<const std::string_view>, std::span<const OptionSpec>);
    std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

// `--name VALUE`, `--name=VALUE` and bare flags; `--help`/`-h` anywhere sets
// help. Throws UsageError for an unknown option, a missing value, a value
// given to a flag, or a repeated option that is not repeatable.
[[nodiscard]] ParsedArgs parse_args(std::span<const std::string_view> args,
                                    std::span<const OptionSpec> options);

}  // namespace deliveryd::app
