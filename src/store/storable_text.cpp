#include "store/storable_text.hpp"

#include "deliveryd/core/text.hpp"

namespace deliveryd::store {

std::string storable_text(std::string_view text) {
    std::string kept(text);
    std::erase(kept, '\0');
    return core::to_valid_utf8(kept);
}

}  // namespace deliveryd::store
