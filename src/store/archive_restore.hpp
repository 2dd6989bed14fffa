// Putting archived messages back together on a connection the caller holds
// (store/archive.hpp explains what that does). Private to store/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/pg_connection.hpp"

namespace deliveryd::store {

// Every message of `ids` (any order, repeats allowed), a batch per
// transaction; the number of archived rows moved back to delivery_state.
// An id without an archived row is left as it is.
std::int64_t restore_all(PgConnection& c, std::vector<std::string> ids);

}  // namespace deliveryd::store
