#include "store/state_rows.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>

#include <pqxx/pqxx>

#include "deliveryd/core/status.hpp"
#include "deliveryd/store/errors.hpp"

#include "store/pg_binary_array.hpp"

namespace deliveryd::store {
namespace {

using core::Timestamp;

constexpr std::string_view state_table_name = "delivery_state";
constexpr std::string_view event_table_name = "delivery_event";

// Where a field was read from, for the error a bad value raises.
struct Place {
    std::string_view table;
    std::string_view column;
};

// Values written by deliveryd itself: anything else means the table was
// edited by hand into something this binary cannot merge.
[[noreturn]] void bad_value(const Place& place, const std::string& what) {
    throw DatabaseError(std::string(place.table) + " holds " + what + " in column " +
                        std::string(place.column));
}

template <class T>
concept Enumeration = std::is_enum_v<T>;

template <Enumeration Enum>
std::optional<Enum> parse_enum(std::string_view text) noexcept {
    if constexpr (std::is_same_v<Enum, core::Provider>) {
        return core::parse_provider(text);
    } else if constexpr (std::is_same_v<Enum, core::StateLabel>) {
        return core::parse_state_label(text);
    } else if constexpr (std::is_same_v<Enum, core::Source>) {
        return core::parse_source(text);
    } else {
        static_assert(std::is_same_v<Enum, core::Resolver>, "an enum column needs its parser");
        return core::parse_resolver(text);
    }
}

// Reading: a field's text (as columns::Kind says it is selected) into the
// field of a State or an Observation; the reverse of bound() below.

template <class Number>
void read_number(const FieldText& field, const Place& place, Number& out) {
    if (field.null) {
        bad_value(place, "NULL");
    }
    pqxx::from_string(field.text, out);
}

void read_field(const FieldText& field, const Place& place, std::string& out) {
    if (field.null) {
        bad_value(place, "NULL");
    }
    out = field.text;
}

void read_field(const FieldText& field, const Place& place, int& out) {
    read_number(field, place, out);
}

void read_field(const FieldText& field, const Place& place, bool& out) {
    read_number(field, place, out);
}

void read_field(const FieldText& field, const Place& place, core::Price& out) {
    read_number(field, place, out.ten_thousandths);
}

// A NULL time that the State does not allow to be absent reads as the epoch.
void read_field(const FieldText& field, const Place& place, Timestamp& out) {
    std::int64_t micros = 0;
    if (!field.null) {
        read_number(field, place, micros);
    }
    out = Timestamp{std::chrono::microseconds{micros}};
}

template <Enumeration Enum>
void read_field(const FieldText& field, const Place& place, Enum& out) {
    if (field.null) {
        bad_value(place, "NULL");
    }
    const auto value = parse_enum<Enum>(field.text);
    if (!value) {
        bad_value(place, "an unknown value '" + std::string(field.text) + "'");
    }
    out = *value;
}

template <class T>
void read_field(const FieldText& field, const Place& place, std::optional<T>& out) {
    if (field.null) {
        out.reset();
        return;
    }
    T value{};
    read_field(field, place, value);
    out = std::move(value);
}

[[noreturn]] void too_few_columns(std::string_view table_name, std::size_t given,
                                  std::size_t needed) {
    throw DatabaseError("a row of " + std::string(table_name) + " read from " +
                        std::to_string(given) + " columns, not " + std::to_string(needed));
}

// The fields of `table`'s columns, in its order, as a `Row`.
template <class Row, class Table>
Row read_row(const Table& table, std::string_view table_name, std::span<const FieldText> fields) {
    if (fields.size() < std::tuple_size_v<Table>) {
        too_few_columns(table_name, fields.size(), std::tuple_size_v<Table>);
    }
    Row row;
    std::apply(
        [&](const auto&... column) {
            std::size_t i = 0;
            (read_field(fields[i++], Place{table_name, column.name}, row.*column.field), ...);
        },
        table);
    return row;
}

// The first `Count` fields of a result row.
template <std::size_t Count>
std::array<FieldText, Count> texts_of(const pqxx::row& row, std::string_view table_name) {
    if (row.size() < Count) {
        too_few_columns(table_name, row.size(), Count);
    }
    std::array<FieldText, Count> fields;
    for (std::size_t i = 0; i < Count; ++i) {
        const auto field = row[static_cast<pqxx::row::size_type>(i)];
        fields[i] = FieldText{field.c_str(), field.is_null()};
    }
    return fields;
}

// Binding: a field as BinaryArray takes it for the column's array parameter.

std::string_view bound(const std::string& value) {
    return value;
}

std::int32_t bound(int value) {
    return value;
}

bool bound(bool value) {
    return value;
}

core::Price bound(core::Price value) {
    return value;
}

Timestamp bound(Timestamp value) {
    return value;
}

template <Enumeration Enum>
std::string_view bound(Enum value) {
    return core::to_string(value);
}

// An absent value is NULL.
template <class T>
auto bound(const std::optional<T>& value) -> std::optional<decltype(bound(*value))> {
    if (!value) {
        return std::nullopt;
    }
    return bound(*value);
}

// The bytes of text a field adds to its array, to size the array once (a
// batch's raw payloads alone are several times the room reserved per
// element).
std::size_t text_bytes(const std::string& value) {
    return value.size();
}

std::size_t text_bytes(const std::optional<std::string>& value) {
    return value ? value->size() : 0;
}

template <class Field>
std::size_t text_bytes(const Field&) {
    return 0;
}

// One array parameter per column of `table` that is written (not kept), in
// its order, each holding that column of every row; a column NULL in every
// row is sent empty (take_nulls_as_empty(): every statement in
// statements.cpp unnests these in its SELECT list, beside the key column).
template <class Row, class Table>
BinaryParams bind_rows(const Table& table, std::span<const Row* const> rows) {
    BinaryParams params;
    params.reserve(std::tuple_size_v<Table>);
    std::apply(
        [&](const auto&... column) {
            const auto bind = [&](const auto& c) {
                if (!columns::is_written(c.role)) {
                    return;
                }
                using Field = typename std::remove_cvref_t<decltype(c)>::type;
                std::size_t text = 0;
                for (const Row* row : rows) {
                    text += text_bytes(row->*c.field);
                }
                BinaryArray array(columns::wire_type(columns::kind_of<Field>()), rows.size(), text);
                for (const Row* row : rows) {
                    array.add(bound(row->*c.field));
                }
                params.push_back(array.take_nulls_as_empty());
            };
            (bind(column), ...);
        },
        table);
    return params;
}

}  // namespace

core::State read_state(std::span<const FieldText> fields) {
    return read_row<core::State>(columns::state_table, state_table_name, fields);
}

core::State read_state(const pqxx::row& row) {
    return read_state(texts_of<columns::state.size()>(row, state_table_name));
}

core::Observation read_event(std::span<const FieldText> fields, core::Provider provider) {
    auto o = read_row<core::Observation>(columns::event_table, event_table_name, fields);
    o.provider = provider;
    return o;
}

core::Observation read_event(const pqxx::row& row, core::Provider provider) {
    return read_event(texts_of<columns::event.size()>(row, event_table_name), provider);
}

BinaryParams write_rows_params(const std::vector<const core::State*>& rows) {
    return bind_rows<core::State>(columns::state_table, rows);
}

BinaryParams append_events_params(std::span<const core::Observation> observations) {
    std::vector<const core::Observation*> items;
    items.reserve(observations.size());
    for (const auto& o : observations) {
        items.push_back(&o);
    }
    return bind_rows<core::Observation>(columns::event_table, items);
}

}  // namespace deliveryd::store
