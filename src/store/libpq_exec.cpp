#include "store/libpq_exec.hpp"

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/except>

namespace deliveryd::store {
namespace {

constexpr int binary_format = 1;
constexpr int text_format = 0;

constexpr std::string_view unique_violation_state = "23505";

[[noreturn]] void throw_failure(PGconn* handle, const PGresult* result, const char* statement) {
    if (result == nullptr || PQstatus(handle) != CONNECTION_OK) {
        throw pqxx::broken_connection(PQerrorMessage(handle));
    }
    const std::string message = PQresultErrorMessage(result);
    const char* const state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    if (state != nullptr && state == unique_violation_state) {
        throw pqxx::unique_violation(message, statement, state);
    }
    throw pqxx::sql_error(message, statement, state);
}

}  // namespace

LibpqResult exec_prepared(PgConnection& connection, const char* statement,
                          std::span<const std::string_view> params) {
    // libpqxx prepares its statements when first used; this one may not
    // have been yet, on this connection or since it was reopened.
    connection.prepare_now(statement);
    PGconn* const handle = connection.handle();
    if (handle == nullptr) {
        throw pqxx::broken_connection("the connection is closed");
    }
    std::vector<const char*> values;
    std::vector<int> lengths;
    values.reserve(params.size());
    lengths.reserve(params.size());
    for (const auto bytes : params) {
        values.push_back(bytes.data());
        lengths.push_back(static_cast<int>(bytes.size()));
    }
    const std::vector<int> formats(params.size(), binary_format);
    PGresult* const answer =
        PQexecPrepared(handle, statement, static_cast<int>(params.size()), values.data(),
                       lengths.data(), formats.data(), text_format);
    LibpqResult result(answer);  // cleared however this ends
    const auto status = PQresultStatus(answer);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw_failure(handle, answer, statement);
    }
    return result;
}

std::vector<std::string_view> bytes_of(std::initializer_list<const BinaryParams*> lists) {
    std::vector<std::string_view> bytes;
    for (const auto* list : lists) {
        for (const auto& param : *list) {
            bytes.push_back(param.bytes());
        }
    }
    return bytes;
}

}  // namespace deliveryd::store
