// Prepared statements whose parameters are binary arrays (BinaryParam), sent
// through libpq directly: libpqxx 6 would first copy every parameter into a
// buffer of its own, and a batch's arrays are most of what it sends.
// Failures are thrown as libpqxx throws them, so that callers and
// classify_current_exception() treat both paths alike. Private to store/.
#pragma once

#include <initializer_list>
#include <libpq-fe.h>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "store/pg_binary_array.hpp"
#include "store/pg_connection.hpp"

namespace deliveryd::store {

// A statement's rows, every field as text.
class LibpqResult {
  public:
    explicit LibpqResult(PGresult* result) noexcept : result_(result) {}

    [[nodiscard]] int rows() const noexcept { return PQntuples(result_.get()); }
    [[nodiscard]] bool is_null(int row, int column) const noexcept {
        return PQgetisnull(result_.get(), row, column) != 0;
    }
    // The field's text ("" when NULL), valid as long as the result.
    [[nodiscard]] const char* text(int row, int column) const noexcept {
        return PQgetvalue(result_.get(), row, column);
    }

  private:
    struct Clear {
        void operator()(PGresult* result) const noexcept { PQclear(result); }
    };
    std::unique_ptr<PGresult, Clear> result_;
};

// Runs `statement` (prepared on the connection by statements::prepare_all)
// with `params`, the bytes of each in the binary form, on `connection`
// outside any transaction or inside the one libpqxx holds open on it.
// Throws pqxx::broken_connection when the connection is lost,
// pqxx::unique_violation for a duplicate key, and pqxx::sql_error, with the
// server's SQLSTATE, for any other error.
[[nodiscard]] LibpqResult exec_prepared(PgConnection& connection, const char* statement,
                                        std::span<const std::string_view> params);

// The bytes of every parameter of `lists`, in order: the parameters of one
// statement, built in parts.
[[nodiscard]] std::vector<std::string_view> bytes_of(
    std::initializer_list<const BinaryParams*> lists);

}  // namespace deliveryd::store
