#include "deliveryd/providers/esms/sms_id.hpp"

#include <array>
#include <cstdint>

namespace deliveryd::providers::esms {
namespace {

// Why a character may not be in an id: one look-up per character rather
// than a comparison per rule (every callback's id is checked).
enum Refusal : std::uint8_t { allowed, space, quote, semicolon, unprintable };

constexpr std::array<std::string_view, 5> refusal_text{"", "contains a space", "contains a quote",
                                                       "contains a semicolon",
                                                       "contains a control or non-ASCII character"};

constexpr auto refusals = [] {
    std::array<Refusal, 256> table{};
    for (std::size_t c = 0; c < table.size(); ++c) {
        // Quotes and semicolons are refused although SQL is parameterised:
        // they are never in a real id and often in an injection attempt.
        table[c] = c == ' '                ? space
                   : c == '"' || c == '\'' ? quote
                   : c == ';'              ? semicolon
                   : c < '!' || c > '~'    ? unprintable
                                           : allowed;
    }
    return table;
}();

}  // namespace

std::string_view sms_id_problem(std::string_view id) noexcept {
    if (id.empty()) {
        return "is empty";
    }
    if (id.size() > max_sms_id_length) {
        return "is longer than 128 characters";
    }
    for (const char c : id) {
        if (const auto refusal = refusals[static_cast<unsigned char>(c)]; refusal != allowed) {
            return refusal_text[refusal];
        }
    }
    return {};
}

}  // namespace deliveryd::providers::esms
