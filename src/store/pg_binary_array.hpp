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

class BinaryArray {
  public:
    // `expected`: how many elements will be added, and `text_bytes` how many
    // bytes of text they hold, to allocate room once.
    explicit BinaryArray(PgType element, std::size_t expected = 0, std::size_t text_bytes = 0);

    void add_null();
    // text, as storable_text() leaves it.
    void add(std::string_view value);
    void add(std::int32_t value);     // int4
    void add(std::int64_t value);     // int8
    void add(bool value);             // boolean
    void add(core::Price value);      // numeric, with 4 decimals
    void add(core::Timestamp value);  // timestamptz
    template <class T>
    void add(const std::optional<T>& value) {
        if (value) {
            add(*value);
        } else {
            add_null();
        }
    }

    [[nodiscard]] std::size_t size() const noexcept { return count_; }

    // The array as a binary parameter; the builder is spent afterwards.
    [[nodiscard]] pqxx::binarystring finish();

    // finish(), but an array of NULLs alone (or of nothing) is sent empty.
    // For a statement that unnests it in its SELECT list beside an array of
    // no NULLs: set-returning functions there run in lockstep, and one that
    // ran out yields NULL for the remaining rows, so every row still gets
    // NULL, and the server neither reads nor walks the NULLs.
    [[nodiscard]] pqxx::binarystring finish_nulls_as_empty();

  private:
    // No dimension: the header is shorter by its 8 bytes.
    pqxx::binarystring finish_empty();

    // Appends an element's length, for its bytes to follow; throws
    // std::logic_error if `type` is not this array's.
    void element(PgType type, std::int32_t length);
    // Appends an integer in network byte order.
    template <class Int>
    void put(Int value);
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
    std::int32_t count_ = 0;
    std::int32_t values_ = 0;  // elements that are not NULL
    bool has_null_ = false;
};

// Parameters of a statement, every one binary.
using BinaryParams = std::vector<pqxx::binarystring>;

}  // namespace deliveryd::store
