// Reads back an array parameter built by store::BinaryArray, each element as
// the text a result field of the reading statements holds: text as it is,
// integers in decimal, booleans as t or f, times as microseconds since the
// Unix epoch and prices as whole ten-thousandths (as statements.cpp selects
// them). Header-only: for unit and integration tests alike.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/binarystring>

#include "store/pg_binary_array.hpp"

namespace deliveryd::testing {

struct ArrayText {
    store::PgType element = store::PgType::text;
    std::vector<std::optional<std::string>> elements;
};

class BinaryReader {
  public:
    explicit BinaryReader(std::string_view bytes) : bytes_(bytes) {}

    template <class Int>
    Int next() {
        if (at_ + sizeof(Int) > bytes_.size()) {
            throw std::runtime_error("binary array: cut short");
        }
        std::uint64_t bits = 0;
        for (std::size_t i = 0; i < sizeof(Int); ++i) {
            bits = (bits << 8U) | static_cast<unsigned char>(bytes_[at_++]);
        }
        return static_cast<Int>(bits);
    }

    std::string_view take(std::size_t n) {
        if (at_ + n > bytes_.size()) {
            throw std::runtime_error("binary array: cut short");
        }
        const auto part = bytes_.substr(at_, n);
        at_ += n;
        return part;
    }

    [[nodiscard]] bool done() const { return at_ == bytes_.size(); }

  private:
    std::string_view bytes_;
    std::size_t at_ = 0;
};

inline std::string element_text(store::PgType type, std::string_view data) {
    BinaryReader in(data);
    switch (type) {
        case store::PgType::text:
            return std::string(data);
        case store::PgType::boolean:
            return in.next<std::uint8_t>() != 0 ? "t" : "f";
        case store::PgType::int4:
            return std::to_string(in.next<std::int32_t>());
        case store::PgType::int8:
            return std::to_string(in.next<std::int64_t>());
        case store::PgType::timestamptz:
            return std::to_string(in.next<std::int64_t>() + 946'684'800LL * 1'000'000LL);
        case store::PgType::numeric: {
            const auto count = in.next<std::int16_t>();
            const auto weight = in.next<std::int16_t>();
            const auto sign = in.next<std::uint16_t>();
            (void)in.next<std::int16_t>();  // decimals shown
            // Whole ten-thousandths: digit i is worth 10000^(weight - i + 1).
            std::int64_t value = 0;
            for (int i = 0; i < count; ++i) {
                std::int64_t digit = in.next<std::int16_t>();
                for (int power = weight - i + 1; power > 0; --power) {
                    digit *= 10000;
                }
                for (int power = weight - i + 1; power < 0; ++power) {
                    digit /= 10000;
                }
                value += digit;
            }
            return std::to_string(sign == 0x4000 ? -value : value);
        }
    }
    throw std::runtime_error("binary array: unknown element type");
}

inline ArrayText array_text(std::string_view bytes) {
    BinaryReader in(bytes);
    ArrayText out;
    const auto dimensions = in.next<std::int32_t>();
    (void)in.next<std::int32_t>();  // has nulls
    out.element = static_cast<store::PgType>(in.next<std::uint32_t>());
    if (dimensions == 0) {
        return out;
    }
    if (dimensions != 1) {
        throw std::runtime_error("binary array: not one dimension");
    }
    const auto length = in.next<std::int32_t>();
    if (in.next<std::int32_t>() != 1) {
        throw std::runtime_error("binary array: lower bound not 1");
    }
    for (std::int32_t i = 0; i < length; ++i) {
        const auto size = in.next<std::int32_t>();
        if (size < 0) {
            out.elements.emplace_back();
        } else {
            out.elements.emplace_back(
                element_text(out.element, in.take(static_cast<std::size_t>(size))));
        }
    }
    if (!in.done()) {
        throw std::runtime_error("binary array: bytes after the last element");
    }
    return out;
}

inline ArrayText array_text(const pqxx::binarystring& array) {
    return array_text(std::string_view(array.get(), array.size()));
}

inline ArrayText array_text(const store::BinaryParam& array) {
    return array_text(array.bytes());
}

}  // namespace deliveryd::testing
