#include "app/cli_args.hpp"

#include <fmt/format.h>

namespace deliveryd::app {

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
    const auto found = values_.find(name);
    if (found == values_.end() || found->second.empty()) {
        return std::nullopt;
    }
    return found->second.back();
}

std::vector<std::string> ParsedArgs::values(std::string_view name) const {
    const auto found = values_.find(name);
    return found == values_.end() ? std::vector<std::string>{} : found->second;
}

ParsedArgs parse_args(std::span<const std::string_view> args, std::span<const OptionSpec> options) {
    ParsedArgs parsed;
    // --help wins over anything else on the line, mistakes included.
    for (const auto arg : args) {
        if (arg == "--help" || arg == "-h") {
            parsed.help = true;
            return parsed;
        }
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto arg = args[i];
        if (arg == "--help" || arg == "-h") {
            parsed.help = true;
            continue;
        }
        const auto equals = arg.find('=');
        const auto name = arg.substr(0, equals);
        const OptionSpec* spec = nullptr;
        for (const auto& option : options) {
            if (option.name == name) {
                spec = &option;
            }
        }
        if (spec == nullptr || !arg.starts_with("--")) {
            throw UsageError(fmt::format("unexpected argument '{}'", arg));
        }
        auto& slot = parsed.values_[std::string(name)];
        if (!slot.empty() && !spec->repeatable) {
            throw UsageError(fmt::format("{} given twice", name));
        }
        if (!spec->takes_value) {
            if (equals != std::string_view::npos) {
                throw UsageError(fmt::format("{} takes no value", name));
            }
            slot.emplace_back();
            continue;
        }
        if (equals != std::string_view::npos) {
            slot.emplace_back(arg.substr(equals + 1));
        } else if (i + 1 < args.size()) {
            slot.emplace_back(args[++i]);
        } else {
            throw UsageError(fmt::format("{} needs a value", name));
        }
    }
    return parsed;
}

}  // namespace deliveryd::app
