// Reading fields of provider JSON, where the same field is a number in one
// answer and a string in the next ("SendStatus": 5 vs "5"), names change case
// between endpoints ("Telcoid" vs "TelcoId"), and null means "not given".
// Never throws; the first problem is remembered for the caller's error text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "deliveryd/core/observation.hpp"
#include "deliveryd/core/status.hpp"

namespace deliveryd::core {

// The whole of `text` as one JSON value (whitespace around it allowed), or
// nullopt. Invalid UTF-8 inside strings is accepted (JsonReader::text repairs
// it): a provider's bad byte should not cost us the status. Depth limit 32.
[[nodiscard]] std::optional<boost::json::value> parse_json(std::string_view text) noexcept;

// The member named `key`: an exact match first, else the first member whose
// name equals it ignoring ASCII case. nullptr when there is none.
[[nodiscard]] const boost::json::value* find_member(const boost::json::object& object,
                                                    std::string_view key) noexcept;

// An integer given as a JSON integer, an integral JSON double, or a string
// parse_integer() accepts. nullopt for anything else or out of [min, max].
[[nodiscard]] std::optional<std::int64_t> json_integer(const boost::json::value& value,
                                                       std::int64_t min, std::int64_t max) noexcept;

// A price given as a string ("850.0000") or a JSON number (850.0000 reaches us
// as the double 850.0: its shortest round-trip decimal text is parsed exactly,
// so prices with up to 15 significant digits come out exact; a JSON number
// needing more digits is refused rather than rounded).
[[nodiscard]] std::optional<Price> json_price(const boost::json::value& value) noexcept;

// Reads one object's fields. Absent, null and "" all read as nullopt and are
// not errors; a present value of the wrong kind reads as nullopt and records
// "field 'Name': <problem>" (field names only: never the value, so no secret
// or personal data ends up in a log line).
class JsonReader {
  public:
    explicit JsonReader(const boost::json::object& object) noexcept : object_(object) {}

    [[nodiscard]] std::optional<int> integer(std::string_view key, int min, int max);
    // Non-negative counts.
    [[nodiscard]] std::optional<int> count(std::string_view key) {
        return integer(key, 0, 2'147'483'647);
    }
    // A string (made valid UTF-8, at most max_bytes), or an integer rendered
    // in decimal (ids such as OAId or template_id come both ways).
    [[nodiscard]] std::optional<std::string> text(std::string_view key,
                                                  std::size_t max_bytes = 1024);
    [[nodiscard]] std::optional<Price> price(std::string_view key);
    // Epoch milliseconds as text or number; 0 reads as absent.
    [[nodiscard]] std::optional<Timestamp> epoch_millis(std::string_view key);
    // RFC 3339 text; years before 2000 read as absent (Go's zero time
    // "0001-01-01T00:00:00Z" is how an unset time is serialised).
    [[nodiscard]] std::optional<Timestamp> rfc3339(std::string_view key);
    [[nodiscard]] std::optional<bool> boolean(std::string_view key);

    // The member itself, or nullptr when absent or null.
    [[nodiscard]] const boost::json::value* member(std::string_view key) const noexcept;

    [[nodiscard]] bool ok() const noexcept { return error_.empty(); }
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

  private:
    void fail(std::string_view key, std::string_view problem);
    // nullptr for absent, null and "".
    [[nodiscard]] const boost::json::value* given(std::string_view key) const noexcept;

    const boost::json::object& object_;
    std::string error_;
};

}  // namespace deliveryd::core
