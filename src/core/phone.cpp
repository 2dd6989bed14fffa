#include "deliveryd/core/phone.hpp"

#include <algorithm>

namespace deliveryd::core {

bool is_vietnamese_phone(std::string_view text) noexcept {
    if (text.starts_with('+')) {
        text.remove_prefix(1);
    }
    if (text.empty() ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    // The subscriber part: 9 digits, or 10 for numbers from before 2018.
    const auto subscriber = [](std::string_view digits) {
        return (digits.size() == 9 || digits.size() == 10) && digits.front() != '0';
    };
    if (text.starts_with("84") && subscriber(text.substr(2))) {
        return true;
    }
    if (text.starts_with('0')) {
        return subscriber(text.substr(1));
    }
    return text.size() == 9;  // without the leading 0: never starts with 0 here
}

std::optional<std::string> phone_subscriber(std::string_view text) {
    if (!is_vietnamese_phone(text)) {
        return std::nullopt;
    }
    if (text.starts_with('+')) {
        text.remove_prefix(1);
    }
    // The same order of tests as is_vietnamese_phone: a 9-digit number that
    // starts with 84 is a subscriber number, not a country code.
    if (text.starts_with("84") && (text.size() == 11 || text.size() == 12) && text[2] != '0') {
        return std::string(text.substr(2));
    }
    if (text.starts_with('0')) {
        return std::string(text.substr(1));
    }
    return std::string(text);
}

std::vector<std::string> phone_forms(std::string_view text) {
    const auto subscriber = phone_subscriber(text);
    if (!subscriber) {
        return {std::string(text)};
    }
    return {"+84" + *subscriber, "84" + *subscriber, "0" + *subscriber, *subscriber};
}

}  // namespace deliveryd::core
