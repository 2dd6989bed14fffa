#include "store/pg_binary_array.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <type_traits>

#include "deliveryd/core/text.hpp"

#include "store/storable_text.hpp"

namespace deliveryd::store {
namespace {

// Header: dimensions, has-nulls flag, element type; then the one
// dimension's length and lower bound. An empty array has no dimension.
constexpr std::size_t header_size = 20;
constexpr std::size_t empty_header_size = 12;

// An integer in network byte order, as every binary value travels.
template <class Int>
std::array<char, sizeof(Int)> big_endian(Int value) {
    static_assert(std::is_integral_v<Int> && sizeof(Int) <= 8);
    std::uint64_t bits = static_cast<std::make_unsigned_t<Int>>(value);
    std::array<char, sizeof(Int)> bytes{};
    for (std::size_t i = sizeof(Int); i-- > 0;) {
        bytes[i] = static_cast<char>(bits & 0xFFU);
        bits >>= 8U;
    }
    return bytes;
}

template <class Int>
void put_at(char* out, Int value) {
    const auto bytes = big_endian(value);
    std::memcpy(out, bytes.data(), bytes.size());
}

// PostgreSQL counts time from 2000-01-01 00:00 UTC, in microseconds.
constexpr std::int64_t postgres_epoch_micros = 946'684'800LL * 1'000'000LL;

// numeric's wire form: base-10000 digits, most significant first, with the
// weight of the first (its power of 10000) and the decimals shown.
constexpr std::int16_t numeric_positive = 0x0000;
constexpr std::int16_t numeric_negative = 0x4000;
constexpr std::int16_t price_decimals = 4;

}  // namespace

const char* array_type_name(PgType element) {
    switch (element) {
        case PgType::boolean:
            return "bool[]";
        case PgType::int8:
            return "int8[]";
        case PgType::int4:
            return "int4[]";
        case PgType::text:
            return "text[]";
        case PgType::timestamptz:
            return "timestamptz[]";
        case PgType::numeric:
            return "numeric[]";
    }
    return "text[]";
}

BinaryArray::BinaryArray(PgType element, std::size_t expected, std::size_t text_bytes)
    : element_(element) {
    // Room for the header, the lengths and fixed-size values, and the text.
    capacity_ = header_size + expected * 12 + text_bytes;
    bytes_ = std::make_unique_for_overwrite<char[]>(capacity_);
    used_ = header_size;
}

void BinaryArray::grow(std::size_t n) {
    const auto capacity = std::max(capacity_ * 2, used_ + n);
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    std::memcpy(bigger.get(), bytes_.get(), used_);
    bytes_ = std::move(bigger);
    capacity_ = capacity;
}

template <class Int>
void BinaryArray::put(Int value) {
    put_at(room(sizeof value), value);
}

void BinaryArray::append(std::string_view bytes) {
    if (!bytes.empty()) {
        std::memcpy(room(bytes.size()), bytes.data(), bytes.size());
    }
}

void BinaryArray::element(PgType type, std::int32_t length) {
    if (type != element_) {
        throw std::logic_error(std::string("BinaryArray: a value for ") + array_type_name(type) +
                               " added to " + array_type_name(element_));
    }
    ++count_;
    ++values_;
    put(length);
}

void BinaryArray::add_null() {
    has_null_ = true;
    ++count_;
    put(std::int32_t{-1});
}

void BinaryArray::add(std::string_view value) {
    // Most text is valid as it is: appended without a copy.
    if (core::is_valid_utf8(value)) {
        element(PgType::text, static_cast<std::int32_t>(value.size()));
        append(value);
        return;
    }
    const auto text = storable_text(value);
    element(PgType::text, static_cast<std::int32_t>(text.size()));
    append(text);
}

void BinaryArray::add(std::int32_t value) {
    element(PgType::int4, sizeof value);
    put(value);
}

void BinaryArray::add(std::int64_t value) {
    element(PgType::int8, sizeof value);
    put(value);
}

void BinaryArray::add(bool value) {
    element(PgType::boolean, 1);
    *room(1) = value ? '\1' : '\0';
}

void BinaryArray::add(core::Timestamp value) {
    const std::int64_t micros = value.time_since_epoch().count() - postgres_epoch_micros;
    element(PgType::timestamptz, sizeof micros);
    put(micros);
}

void BinaryArray::add(core::Price value) {
    // |value| in ten-thousandths: the whole part's base-10000 digits, then
    // the four decimals as one more digit. (The magnitude of INT64_MIN
    // still fits the unsigned type.)
    const bool negative = value.ten_thousandths < 0;
    auto magnitude = negative ? 0ULL - static_cast<std::uint64_t>(value.ten_thousandths)
                              : static_cast<std::uint64_t>(value.ten_thousandths);
    std::array<std::int16_t, 8> digits{};  // least significant first
    std::size_t n = 0;
    const auto fraction = static_cast<std::int16_t>(magnitude % 10000);
    for (magnitude /= 10000; magnitude > 0; magnitude /= 10000) {
        digits[n++] = static_cast<std::int16_t>(magnitude % 10000);
    }
    // Weight of the first digit written: the whole part's length less one,
    // or -1 (the decimals) when there is no whole part.
    const auto weight = static_cast<std::int16_t>(static_cast<int>(n) - 1);
    const auto count = static_cast<std::int16_t>(n + 1);
    element(PgType::numeric, static_cast<std::int32_t>(8 + 2 * count));
    put(count);
    put(weight);
    put(negative ? numeric_negative : numeric_positive);
    put(price_decimals);
    for (std::size_t i = n; i-- > 0;) {
        put(digits[i]);
    }
    put(fraction);
}

pqxx::binarystring BinaryArray::finish_nulls_as_empty() {
    return values_ == 0 ? finish_empty() : finish();
}

pqxx::binarystring BinaryArray::finish_empty() {
    char* const header = bytes_.get() + (header_size - empty_header_size);
    put_at(header, std::int32_t{0});
    put_at(header + 4, std::int32_t{0});
    put_at(header + 8, static_cast<std::uint32_t>(element_));
    return pqxx::binarystring(header, empty_header_size);
}

pqxx::binarystring BinaryArray::finish() {
    if (count_ == 0) {
        return finish_empty();
    }
    char* const header = bytes_.get();
    put_at(header, std::int32_t{1});
    put_at(header + 4, std::int32_t{has_null_ ? 1 : 0});
    put_at(header + 8, static_cast<std::uint32_t>(element_));
    put_at(header + 12, count_);
    put_at(header + 16, std::int32_t{1});
    return pqxx::binarystring(header, used_);
}

}  // namespace deliveryd::store
