// Private to store/: turns libpqxx exceptions into the store's own errors.
#pragma once

#include <exception>
#include <memory>
#include <string>

#include "store/pg_connection.hpp"

namespace deliveryd::store {

struct DatabaseFailure {
    bool connection_lost = false;  // the connection is unusable and must be replaced
    bool retryable = false;        // the operation may succeed if tried again later
    std::string message;
    std::exception_ptr original;
};

// Call inside a catch block.
[[nodiscard]] DatabaseFailure classify_current_exception();

// What a failed attempt to open a connection means, in words: the server
// refused the credentials, or the server could not be reached or refused the
// connection. `what` is libpq's message (it names host, port and user, never
// a password).
[[nodiscard]] std::string connect_failure_message(const char* what);

// Opens a connection, or throws DatabaseUnavailable with
// connect_failure_message(): never connected, so nothing was "lost".
[[nodiscard]] std::unique_ptr<PgConnection> open_connection(const std::string& conninfo);

// Throws DatabaseUnavailable for retryable failures, DatabaseError otherwise;
// rethrows the original exception when it did not come from the database.
[[noreturn]] void rethrow_translated(const DatabaseFailure& failure);

}  // namespace deliveryd::store
