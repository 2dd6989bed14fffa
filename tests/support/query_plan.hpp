// The plan PostgreSQL makes for a statement with given parameters, for the
// tests that check a query is served by an index at scale.
#pragma once

#include <string>

#include <pqxx/pqxx>

namespace deliveryd::testing {

// EXPLAIN of `statement` prepared (so planned as the store's prepared
// statements are, custom plan for these values) and executed with `args`,
// SQL literals separated by commas. Drops the connection's other prepared
// statements.
[[nodiscard]] std::string query_plan(pqxx::connection& c, const std::string& statement,
                                     const std::string& args);

}  // namespace deliveryd::testing
