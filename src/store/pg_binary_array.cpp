#include "store/pg_binary_array.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "deliveryd/core/text.hpp"

#include "store/storable_text.hpp"

namespace deliveryd::store {
namespace {

// Header: dimensions, has-nulls flag, element type; then the one
// dimension's length and lower bound. An empty array has no dimension.
constexpr std::size_t header_size = 20;
constexpr std::size_t empty_header_size = 12;

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

void BinaryArray::append(std::string_view bytes) {
    if (!bytes.empty()) {
        std::memcpy(room(bytes.size()), bytes.data(), bytes.size());
    }
}

void BinaryArray::refuse(PgType type) const {
    throw std::logic_error(std::string("BinaryArray: a value for ") + array_type_name(type) +
                           " added to " + array_type_name(element_));
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

std::string_view BinaryArray::finished(bool nulls_as_empty) {
    if (count_ == 0 || (nulls_as_empty && values_ == 0)) {
        char* const header = bytes_.get() + (header_size - empty_header_size);
        write_big_endian(header, std::int32_t{0});
        write_big_endian(header + 4, std::int32_t{0});
        write_big_endian(header + 8, static_cast<std::uint32_t>(element_));
        return {header, empty_header_size};
    }
    char* const header = bytes_.get();
    write_big_endian(header, std::int32_t{1});
    write_big_endian(header + 4, std::int32_t{values_ < count_ ? 1 : 0});  // has NULLs
    write_big_endian(header + 8, static_cast<std::uint32_t>(element_));
    write_big_endian(header + 12, count_);
    write_big_endian(header + 16, std::int32_t{1});
    return {header, used_};
}

pqxx::binarystring BinaryArray::finish() {
    const auto bytes = finished(false);
    return pqxx::binarystring(bytes.data(), bytes.size());
}

BinaryParam BinaryArray::take() {
    const auto bytes = finished(false);
    return BinaryParam(std::move(bytes_), bytes);
}

BinaryParam BinaryArray::take_nulls_as_empty() {
    const auto bytes = finished(true);
    return BinaryParam(std::move(bytes_), bytes);
}

}  // namespace deliveryd::store
