#include "support/query_plan.hpp"

namespace deliveryd::testing {

std::string query_plan(pqxx::connection& c, const std::string& statement, const std::string& args) {
    pqxx::nontransaction tx(c);
    tx.exec("DEALLOCATE ALL");
    tx.exec("PREPARE planned AS " + statement);
    std::string plan;
    for (const auto& row : tx.exec("EXPLAIN EXECUTE planned(" + args + ")")) {
        plan += row[0].as<std::string>() + "\n";
    }
    return plan;
}

}  // namespace deliveryd::testing
