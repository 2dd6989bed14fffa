// Reading a row's optional texts for a call. Private to src/reconcile.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace deliveryd::reconcile::sources {

// The text, with '' (from senders that insert it instead of NULL) read as
// absent: a call cannot use it either way.
[[nodiscard]] inline std::string_view present(const std::optional<std::string>& text) {
    return text ? std::string_view(*text) : std::string_view{};
}

}  // namespace deliveryd::reconcile::sources
