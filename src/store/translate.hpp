// Private to store/: turns libpqxx exceptions into the store's own errors.
#pragma once

#include <exception>
#include <string>

namespace deliveryd::store {

struct DatabaseFailure {
    bool connection_lost = false;  // the connection is unusable and must be replaced
    bool retryable = false;        // the operation may succeed if tried again later
    std::string message;
    std::exception_ptr original;
};

// Call inside a catch block.
[[nodiscard]] DatabaseFailure classify_current_exception();

// Throws DatabaseUnavailable for retryable failures, DatabaseError otherwise;
// rethrows the original exception when it did not come from the database.
[[noreturn]] void rethrow_translated(const DatabaseFailure& failure);

}  // namespace deliveryd::store
