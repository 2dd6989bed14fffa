// JSON text as the providers write it. Boost.JSON prints 850.0 as "8.5E2";
// the providers' .NET serialisers print prices as 850.0000. Same numbers,
// but a stand-in should look like the original, so doubles get 4 decimals.
#pragma once

#include <string>

#include <boost/json/value.hpp>

namespace deliveryd::sim {

std::string write_json(const boost::json::value& v);

}  // namespace deliveryd::sim
