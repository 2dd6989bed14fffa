// Reading the members of a request's JSON body, shared by the eSMS and
// eTelecom handlers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

namespace deliveryd::sim {

inline std::string_view str(const boost::json::string& s) {
    return {s.data(), s.size()};
}

// A string member, or nullopt when absent or not a string. Numbers are
// accepted too, as their decimal text: an id is easily sent as a number.
std::optional<std::string> string_field(const boost::json::object& o, std::string_view key);

}  // namespace deliveryd::sim
