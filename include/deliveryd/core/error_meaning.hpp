// What a provider's error code means, in words support staff can repeat to
// a customer: Zalo's ZNS codes (0 and negative, and eSMS's 1001) and eSMS's
// result codes (99 to 854). Codes the public documentation does not name
// have no meaning here rather than a guess; where the number of a meaning
// is only inferred from the order of a list, the text says so.
#pragma once

#include <optional>
#include <string_view>

namespace deliveryd::core {

[[nodiscard]] std::optional<std::string_view> error_meaning(long long code) noexcept;

}  // namespace deliveryd::core
