// What the store reports to the rest of deliveryd. libpqxx exceptions are
// translated into these inside store/, so no other layer depends on libpqxx
// and callers decide by type between "answer 503 and let the provider retry"
// and "this is a bug".
#pragma once

#include <stdexcept>

namespace deliveryd::store {

// The database cannot be reached or dropped the connection: retry later.
class DatabaseUnavailable : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The database answered with an error that retrying will not fix (a bug in a
// statement, or a schema that does not match this binary).
class DatabaseError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace deliveryd::store
