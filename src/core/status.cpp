#include "deliveryd/core/status.hpp"

#include <array>

namespace deliveryd::core {
namespace {

// One table per enum, indexed by the enumerator's value: to_string and parse_*
// read the same table, so the two directions cannot drift apart.
constexpr std::array<std::string_view, 9> state_label_names{
    "submitted", "pending_approval", "waiting",  "sent_to_telco", "sent",
    "delivered", "failed",           "rejected", "expired",
};
static_assert(state_label_names.size() == static_cast<std::size_t>(StateLabel::expired) + 1);

constexpr std::array<std::string_view, 8> source_names{
    "callback",      "get_callback",           "get_send_status",
    "zalo_status",   "etelecom_get_message",   "query_zns_status",
    "sms_sent_data", "etelecom_list_messages",
};
static_assert(source_names.size() == static_cast<std::size_t>(Source::etelecom_list_messages) + 1);

constexpr std::array<std::string_view, 2> provider_names{"esms", "etelecom"};
static_assert(provider_names.size() == static_cast<std::size_t>(Provider::etelecom) + 1);

constexpr std::array<std::string_view, 2> resolver_names{"callback", "poll"};
static_assert(resolver_names.size() == static_cast<std::size_t>(Resolver::poll) + 1);

template <class Enum, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, Enum value) noexcept {
    const auto index = static_cast<std::size_t>(value);
    // An out-of-range value can only come from a cast of garbage; name it
    // rather than read past the table.
    return index < N ? names[index] : std::string_view{"invalid"};
}

template <class Enum, std::size_t N>
std::optional<Enum> parse_with(const std::array<std::string_view, N>& names,
                               std::string_view text) noexcept {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == text) {
            return static_cast<Enum>(i);
        }
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(StateLabel s) noexcept {
    return name_of(state_label_names, s);
}
std::string_view to_string(Source s) noexcept {
    return name_of(source_names, s);
}
std::string_view to_string(Provider p) noexcept {
    return name_of(provider_names, p);
}
std::string_view to_string(Resolver r) noexcept {
    return name_of(resolver_names, r);
}

std::optional<StateLabel> parse_state_label(std::string_view text) noexcept {
    return parse_with<StateLabel>(state_label_names, text);
}
std::optional<Source> parse_source(std::string_view text) noexcept {
    return parse_with<Source>(source_names, text);
}
std::optional<Provider> parse_provider(std::string_view text) noexcept {
    return parse_with<Provider>(provider_names, text);
}
std::optional<Resolver> parse_resolver(std::string_view text) noexcept {
    return parse_with<Resolver>(resolver_names, text);
}

}  // namespace deliveryd::core
