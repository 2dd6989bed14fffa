#include "store/translate.hpp"

#include <pqxx/pqxx>

#include "deliveryd/store/errors.hpp"

namespace deliveryd::store {
namespace {

// SQLSTATE classes after which the session is gone or should be replaced:
// 08 connection exception, 57P operator intervention (server shutting down,
// terminated backend), 53 insufficient resources (too many connections).
bool sqlstate_loses_connection(const std::string& state) {
    return state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0 || state.rfind("53", 0) == 0;
}

// Failures worth retrying with the same statement: the above, plus
// serialization failures and deadlocks (40001, 40P01) and lock/statement
// timeouts (55P03, 57014).
bool sqlstate_retryable(const std::string& state) {
    return sqlstate_loses_connection(state) || state == "40001" || state == "40P01" ||
           state == "55P03" || state == "57014";
}

std::string first_line(const char* what) {
    std::string text(what);
    if (const auto nl = text.find('\n'); nl != std::string::npos) {
        text.resize(nl);
    }
    return text;
}

}  // namespace

std::string connect_failure_message(const char* what) {
    const std::string line = first_line(what);
    // Before the credential words: libpq says a missing root certificate
    // file "does not exist", which is no refusal by the server.
    for (const auto* tls : {"certificate", "SSL", "ssl"}) {
        if (line.find(tls) != std::string::npos) {
            return "could not connect to the database over TLS: " + line;
        }
    }
    for (const auto* refusal : {"password authentication failed", "authentication failed",
                                "no pg_hba.conf entry", "does not exist", "no password supplied"}) {
        if (line.find(refusal) != std::string::npos) {
            return "the database refused the connection's credentials or database: " + line;
        }
    }
    return "could not connect to the database: " + line;
}

std::unique_ptr<PgConnection> open_connection(const std::string& conninfo) {
    try {
        return std::make_unique<PgConnection>(conninfo);
    } catch (const pqxx::broken_connection& e) {
        throw DatabaseUnavailable(connect_failure_message(e.what()));
    }
}

DatabaseFailure classify_current_exception() {
    DatabaseFailure failure;
    failure.original = std::current_exception();
    try {
        throw;
    } catch (const pqxx::broken_connection& e) {
        failure.connection_lost = true;
        failure.retryable = true;
        failure.message = "database connection lost: " + first_line(e.what());
    } catch (const pqxx::in_doubt_error& e) {
        // The commit may or may not have happened. Callers only ever repeat
        // idempotent work, so reporting "unavailable" (and a retry) is safe.
        failure.connection_lost = true;
        failure.retryable = true;
        failure.message = "database commit in doubt: " + first_line(e.what());
    } catch (const pqxx::sql_error& e) {
        const std::string state = e.sqlstate();
        failure.connection_lost = sqlstate_loses_connection(state);
        failure.retryable = sqlstate_retryable(state);
        failure.message = "database error " + state + ": " + first_line(e.what());
    } catch (const pqxx::transaction_rollback& e) {
        // Serialization failure or deadlock: the transaction is gone, the
        // connection is fine, and the same work can simply be repeated.
        failure.retryable = true;
        failure.message = "database transaction rolled back: " + first_line(e.what());
    } catch (const pqxx::failure& e) {
        // Other libpq-level failures leave the connection in an unknown state.
        failure.connection_lost = true;
        failure.retryable = true;
        failure.message = "database failure: " + first_line(e.what());
    } catch (...) {
    }
    return failure;
}

void rethrow_translated(const DatabaseFailure& failure) {
    if (failure.message.empty()) {
        std::rethrow_exception(failure.original);
    }
    if (failure.retryable) {
        throw DatabaseUnavailable(failure.message);
    }
    throw DatabaseError(failure.message);
}

}  // namespace deliveryd::store
