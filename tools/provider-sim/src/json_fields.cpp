#include "json_fields.hpp"

namespace deliveryd::sim {

std::optional<std::string> string_field(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (v->is_string()) {
        return std::string(str(v->get_string()));
    }
    if (v->is_int64()) {
        return std::to_string(v->get_int64());
    }
    if (v->is_uint64()) {
        return std::to_string(v->get_uint64());
    }
    return std::nullopt;
}

}  // namespace deliveryd::sim
