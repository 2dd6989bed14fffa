#include "deliveryd/core/masking.hpp"

#include <algorithm>

#include "deliveryd/core/phone.hpp"

namespace deliveryd::core {

std::string mask_identifier(std::string_view text) {
    std::string masked(text);
    if (masked.size() <= 5) {
        std::fill(masked.begin(), masked.end(), '*');
        return masked;
    }
    std::fill(masked.begin() + 3, masked.end() - 2, '*');
    return masked;
}

std::vector<std::string> written_forms(std::string_view identifier) {
    auto forms = phone_forms(identifier);
    if (const auto subscriber = phone_subscriber(identifier)) {
        forms.insert(forms.begin(), {"%2B84" + *subscriber, "%2b84" + *subscriber});
    }
    std::stable_sort(forms.begin(), forms.end(), [](const std::string& a, const std::string& b) {
        return a.size() > b.size();
    });
    return forms;
}

std::string mask_forms(std::string_view text, const std::vector<std::string>& forms) {
    std::string out(text);
    for (const auto& form : forms) {
        if (form.empty()) {
            continue;
        }
        const auto masked = mask_identifier(form);
        for (auto at = out.find(form); at != std::string::npos;
             at = out.find(form, at + masked.size())) {
            out.replace(at, form.size(), masked);
        }
    }
    return out;
}

}  // namespace deliveryd::core
