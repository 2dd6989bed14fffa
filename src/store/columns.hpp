// The columns of delivery_state and delivery_event as deliveryd reads and
// writes them, each list written once, here: the SELECT lists, unnest
// parameters, INSERT and SET lists of statements.cpp, the parameter builders
// and row readers of state_rows.cpp, and the position of a column selected
// after a State's are all derived from it. The tables themselves are made by
// the migrations in sql/. Private to store/.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/state.hpp"

#include "store/pg_binary_array.hpp"

namespace deliveryd::store::columns {

// How a column's values travel between deliveryd and PostgreSQL: decided by
// the C++ type of the field that holds it (kind_of), so that a column cannot
// be bound one way and read another. Written in the binary form of the
// column's own type (wire_type); read as text, timestamps and prices as
// whole numbers, exact both ways.
enum class Kind {
    text,       // std::string, and the enums as their text forms (core::to_string)
    integer,    // int: int4
    boolean,    // bool
    price,      // core::Price: numeric(18,4); read as whole ten-thousandths, a bigint
    timestamp,  // core::Timestamp: timestamptz; read as microseconds since the Unix epoch
};

// The element type of a column's array parameter.
constexpr PgType wire_type(Kind kind) {
    switch (kind) {
        case Kind::text:
            return PgType::text;
        case Kind::integer:
            return PgType::int4;
        case Kind::boolean:
            return PgType::boolean;
        case Kind::price:
            return PgType::numeric;
        case Kind::timestamp:
            return PgType::timestamptz;
    }
    return PgType::text;
}

enum class Role {
    key,      // inserted, and the key ON CONFLICT finds an existing row by
    written,  // inserted, and updated from the merged row
    // Read only: write_batch leaves it to the column's default or to rules of
    // its own (next_poll_at, updated_at), to whoever registered the message
    // (account, submitted_at) and to the scheduler (poll_attempts).
    kept,
};

// Whether write_batch takes the column as a parameter.
constexpr bool is_written(Role role) {
    return role != Role::kept;
}

// One column: its name in the table and the field of `Row` it maps to.
template <class Row, class Field>
struct Column {
    using type = Field;
    std::string_view name;
    Field Row::*field;
    Role role = Role::written;
};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// The Kind of a field's type; a field of a type without a rule does not compile.
template <class T>
consteval Kind kind_of() {
    if constexpr (is_optional<T>::value) {
        return kind_of<typename T::value_type>();
    } else if constexpr (std::is_same_v<T, bool>) {
        return Kind::boolean;
    } else if constexpr (std::is_same_v<T, int>) {
        return Kind::integer;
    } else if constexpr (std::is_same_v<T, core::Price>) {
        return Kind::price;
    } else if constexpr (std::is_same_v<T, core::Timestamp>) {
        return Kind::timestamp;
    } else {
        static_assert(std::is_same_v<T, std::string> || std::is_enum_v<T>,
                      "a column needs a Kind for this field type");
        return Kind::text;
    }
}

using core::Observation;
using core::State;

// delivery_state, in the order statements select it (statements::state_columns()).
// sms_id is first: it is the key.
inline constexpr std::tuple state_table{
    Column{"sms_id", &State::sms_id, Role::key},
    Column{"provider", &State::provider},
    Column{"account", &State::account, Role::kept},
    Column{"type_id", &State::type_id},
    Column{"oa_id", &State::oa_id},
    Column{"phone", &State::phone},
    Column{"zalo_user_id", &State::zalo_user_id},
    Column{"request_id", &State::request_id},
    Column{"state", &State::state},
    Column{"is_final", &State::is_final},
    Column{"send_status", &State::send_status},
    Column{"send_success", &State::send_success},
    Column{"send_failed", &State::send_failed},
    Column{"total_receiver", &State::total_receiver},
    Column{"total_sent", &State::total_sent},
    Column{"total_price", &State::total_price},
    Column{"telco_id", &State::telco_id},
    Column{"partner_id", &State::partner_id},
    Column{"template_id", &State::template_id},
    Column{"error_code", &State::error_code},
    Column{"error_message", &State::error_message},
    Column{"zalo_status", &State::zalo_status},
    Column{"delivered_at", &State::delivered_at},
    Column{"state_at", &State::state_at},
    Column{"state_source", &State::state_source},
    Column{"window_closed", &State::window_closed},
    Column{"window_closed_at", &State::window_closed_at},
    Column{"final_at", &State::final_at},
    Column{"resolved_by", &State::resolved_by},
    Column{"submitted_at", &State::submitted_at, Role::kept},
    Column{"updated_at", &State::updated_at, Role::kept},
    Column{"poll_attempts", &State::poll_attempts, Role::kept},
    Column{"next_poll_at", &State::next_poll_at, Role::kept},
    Column{"counts_state", &State::counts_state},
    Column{"counts_at", &State::counts_at},
    Column{"counts_source", &State::counts_source},
    Column{"fallback_sms_status", &State::fallback_sms_status},
    Column{"fallback_sms_at", &State::fallback_sms_at},
};

// delivery_event as deliveryd writes and reads it: every column but the ones
// the table fills itself (event_id). The event log does not keep the
// provider (its row in delivery_state does), nor unknown_status (the raw
// payload holds it).
inline constexpr std::tuple event_table{
    Column{"sms_id", &Observation::sms_id},
    Column{"source", &Observation::source},
    Column{"observed_at", &Observation::observed_at},
    Column{"state", &Observation::state},
    Column{"send_status", &Observation::send_status},
    Column{"send_success", &Observation::send_success},
    Column{"send_failed", &Observation::send_failed},
    Column{"total_receiver", &Observation::total_receiver},
    Column{"total_sent", &Observation::total_sent},
    Column{"total_price", &Observation::total_price},
    Column{"telco_id", &Observation::telco_id},
    Column{"type_id", &Observation::type_id},
    Column{"oa_id", &Observation::oa_id},
    Column{"phone", &Observation::phone},
    Column{"zalo_user_id", &Observation::zalo_user_id},
    Column{"request_id", &Observation::request_id},
    Column{"partner_id", &Observation::partner_id},
    Column{"template_id", &Observation::template_id},
    Column{"error_code", &Observation::error_code},
    Column{"error_message", &Observation::error_message},
    Column{"zalo_status", &Observation::zalo_status},
    Column{"delivered_at", &Observation::delivered_at},
    Column{"raw_payload", &Observation::raw},
    Column{"provider_at", &Observation::provider_at},
    Column{"fallback_sms_status", &Observation::fallback_sms_status},
    Column{"fallback_sms_at", &Observation::fallback_sms_at},
};

// A column as the SQL side needs it.
struct Sql {
    std::string_view name;
    Kind kind;
    Role role;
};

template <class Table>
constexpr auto sql_of(const Table& table) {
    return std::apply(
        [](const auto&... column) {
            return std::array<Sql, sizeof...(column)>{
                Sql{column.name, kind_of<typename std::remove_cvref_t<decltype(column)>::type>(),
                    column.role}...};
        },
        table);
}

inline constexpr auto state = sql_of(state_table);
inline constexpr auto event = sql_of(event_table);

}  // namespace deliveryd::store::columns
