#include "deliveryd/providers/esms/sms_id.hpp"

namespace deliveryd::providers::esms {

std::string_view sms_id_problem(std::string_view id) noexcept {
    if (id.empty()) {
        return "is empty";
    }
    if (id.size() > max_sms_id_length) {
        return "is longer than 128 characters";
    }
    for (const char c : id) {
        // Quotes and semicolons are refused although SQL is parameterised:
        // they are never in a real id and often in an injection attempt.
        if (c == ' ') {
            return "contains a space";
        }
        if (c == '"' || c == '\'') {
            return "contains a quote";
        }
        if (c == ';') {
            return "contains a semicolon";
        }
        if (c < '!' || c > '~') {
            return "contains a control or non-ASCII character";
        }
    }
    return {};
}

}  // namespace deliveryd::providers::esms
