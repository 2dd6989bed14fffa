// What every provider parser returns: a value, or why there is none, plus
// notes about oddities the caller should log (an unknown SendStatus...).
// Parsers never throw; error and note texts never contain credentials.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace deliveryd::providers {

template <class T>
struct [[nodiscard]] ParseResult {
    std::optional<T> value;
    std::string error;               // set exactly when value is empty
    std::vector<std::string> notes;  // non-fatal, for a log line or a metric

    [[nodiscard]] bool ok() const noexcept { return value.has_value(); }
    explicit operator bool() const noexcept { return ok(); }

    [[nodiscard]] static ParseResult success(T v, std::vector<std::string> notes = {}) {
        return ParseResult{std::optional<T>(std::move(v)), {}, std::move(notes)};
    }
    [[nodiscard]] static ParseResult failure(std::string why) {
        return ParseResult{std::nullopt, std::move(why), {}};
    }
    // For a parser's catch-all: the short text fits std::string's inline
    // buffer, so building this result does not allocate.
    [[nodiscard]] static ParseResult out_of_memory() noexcept {
        ParseResult result;
        result.error = "out of memory";
        return result;
    }
};

}  // namespace deliveryd::providers
