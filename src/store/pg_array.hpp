// Builds PostgreSQL array literals ({"a","b",NULL}) so that a whole batch
// travels as one parameter per column and one statement serves any batch
// size: `unnest($1::text[], $2::int[], ...)`. Private to store/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace deliveryd::store {

class PgArray {
  public:
    PgArray() { text_ += '{'; }

    void add_null() { separator() += "NULL"; }
    // As storable_text() leaves it, quoted and escaped.
    void add(std::string_view value);
    void add(std::int64_t value);
    void add(double value);  // finite values only, shortest exact form
    void add(bool value) { separator() += value ? "t" : "f"; }

    template <class T>
    void add(const std::optional<T>& value) {
        if (value) {
            add(*value);
        } else {
            add_null();
        }
    }

    // The literal, e.g. {"a",NULL}; the builder is spent afterwards.
    [[nodiscard]] std::string finish() {
        text_ += '}';
        return std::move(text_);
    }

  private:
    std::string& separator() {
        if (!first_) {
            text_ += ',';
        }
        first_ = false;
        return text_;
    }

    std::string text_;
    bool first_ = true;
};

}  // namespace deliveryd::store
