// Text as a PostgreSQL text value can hold it: the one rule the store's
// parameter builders apply to every text they bind. Private to store/.
#pragma once

#include <string>
#include <string_view>

namespace deliveryd::store {

// `text` with NUL bytes dropped (PostgreSQL text cannot hold them) and any
// invalid UTF-8 replaced by U+FFFD (core::to_valid_utf8): one bad value would
// otherwise fail a whole batch's statement. Text that is valid UTF-8 without
// NULs (core::is_valid_utf8) comes back unchanged.
[[nodiscard]] std::string storable_text(std::string_view text);

}  // namespace deliveryd::store
