// Builds PostgreSQL arrays in the binary wire format (what array_recv reads),
// so that a batch travels as one parameter per column and the server parses
// no text: `unnest($1::text[], $2::int4[], $3::timestamptz[], ...)`. Every
// element goes in as the server stores it; nothing is converted in SQL.
// Private to store/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <pqxx/binarystring>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/status.hpp"

namespace deliveryd::store {

// The element types bound, by their built-in type OIDs (fixed in every
// PostgreSQL); the array's header names one, and the server checks it
// against the parameter's declared type.
enum class PgType : std::uint32_t {
    boolean = 16,
    int8 = 20,
    int4 = 23,
    text = 25,
    timestamptz = 1184,
    numeric = 1700,
};

// The SQL name of an array of `element`, as a statement declares its
// parameter (`$1::text[]`).
[[nodiscard]] const char* array_type_name(PgType element);

// A finished array (BinaryArray::take()), owning its bytes.
class BinaryParam {
  public:
    BinaryParam(std::unique_ptr<char[]> storage, std::string_view bytes) noexcept
        : storage_(std::move(storage)), bytes_(bytes) {}

    [[nodiscard]] std::string_view bytes() const noexcept { return bytes_; }

  private:
    std::unique_ptr<char[]> storage_;
    std::string_view bytes_;  // within storage_
};

// Parameters of a statement, every one binary.
using BinaryParams = std::vector<BinaryParam>;

class BinaryArray {
  public:
    // `expected`: how many elements will be added, and `text_bytes` how many
    // bytes of text they hold, to allocate room once.
    explicit BinaryArray(PgType element, std::size_t expected = 0, std::size_t text_bytes = 0);

    // The fixed-size kinds are written here, inline: a batch adds thousands.
    void add_null() {
        ++count_;
        put(std::int32_t{-1});
    }
    // text, as storable_text() leaves it.
    void add(std::string_view value);
    void add(std::int32_t value) {  // int4
        element(PgType::int4, sizeof value);
        put(value);
    }
    void add(std::int64_t value) {  // int8
        element(PgType::int8, sizeof value);
        put(value);
    }
    void add(bool value) {  // boolean
        element(PgType::boolean, 1);
        *room(1) = value ? '\1' : '\0';
    }
    void add(core::Price value);       // numeric, with 4 decimals
    void add(core::Timestamp value) {  // timestamptz
        // PostgreSQL counts time from 2000-01-01 00:00 UTC, in microseconds.
        constexpr std::int64_t postgres_epoch_micros = 946'684'800LL * 1'000'000LL;
        const std::int64_t micros = value.time_since_epoch().count() - postgres_epoch_micros;
        element(PgType::timestamptz, sizeof micros);
        put(micros);
    }
    template <class T>
    void add(const std::optional<T>& value) {
        if (value) {
            add(*value);
        } else {
            add_null();
        }
    }

    [[nodiscard]] std::size_t size() const noexcept { return count_; }

    // The array as a binary parameter of a statement run through libpqxx,
    // which copies it; the builder is spent afterwards.
    [[nodiscard]] pqxx::binarystring finish();

    // The array as a parameter of a statement sent through libpq directly
    // (libpq_exec.hpp): the builder's own bytes, not copied. The builder is
    // spent afterwards.
    [[nodiscard]] BinaryParam take();

    // take(), but an array of NULLs alone (or of nothing) is sent empty.
    // For a statement that unnests it in its SELECT list beside an array of
    // no NULLs: set-returning functions there run in lockstep, and one that
    // ran out yields NULL for the remaining rows, so every row still gets
    // NULL, and the server neither reads nor walks the NULLs.
    [[nodiscard]] BinaryParam take_nulls_as_empty();

  private:
    // The finished array's bytes, its header written: an empty array has
    // no dimension, so its header is shorter by 8 bytes.
    std::string_view finished(bool nulls_as_empty);

    // Appends an element's length, for its bytes to follow; throws
    // std::logic_error if `type` is not this array's.
    void element(PgType type, std::int32_t length) {
        if (type != element_) {
            refuse(type);
        }
        ++count_;
        ++values_;
        put(length);
    }
    [[noreturn]] void refuse(PgType type) const;
    // Writes an integer at `at` in network byte order, as every binary
    // value travels.
    template <class Int>
    static void write_big_endian(char* at, Int value) {
        static_assert(std::is_integral_v<Int> && sizeof(Int) <= 8);
        auto bits = static_cast<std::make_unsigned_t<Int>>(value);
        for (std::size_t i = sizeof(Int); i-- > 0;) {
            at[i] = static_cast<char>(bits & 0xFFU);
            bits = static_cast<decltype(bits)>(bits >> 8U);
        }
    }
    // Appends an integer (write_big_endian).
    template <class Int>
    void put(Int value) {
        write_big_endian(room(sizeof(Int)), value);
    }
    void append(std::string_view bytes);
    // The next `n` bytes of the buffer, which grows when it must. The values
    // are small and many: a plain copy into reserved room, not a call into
    // std::string for each.
    char* room(std::size_t n) {
        if (capacity_ - used_ < n) {
            grow(n);
        }
        char* at = bytes_.get() + used_;
        used_ += n;
        return at;
    }
    // Makes room for `n` bytes more.
    void grow(std::size_t n);

    std::unique_ptr<char[]> bytes_;
    std::size_t capacity_ = 0;
    std::size_t used_ = 0;
    PgType element_;
    std::int32_t count_ = 0;   // elements
    std::int32_t values_ = 0;  // elements that are not NULL
};

}  // namespace deliveryd::store
