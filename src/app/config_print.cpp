// The effective configuration as YAML, for `deliveryd config` and the start-up
// log. Secrets never leave this file unredacted.
#include <algorithm>
#include <type_traits>
#include <variant>

#include <boost/url.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "deliveryd/app/config.hpp"
#include "deliveryd/store/conninfo.hpp"

#include "app/config_keys.hpp"

namespace deliveryd::app {
namespace {

constexpr const char* redacted = "<redacted>";

std::string secret(const std::string& value) {
    return value.empty() ? "" : redacted;
}

void emit_duration_list(YAML::Emitter& out, const std::vector<Duration>& list) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto d : list) {
        out << format_duration(d);
    }
    out << YAML::EndSeq;
}

// The shortest text that reads back as the same double: 0.05, not
// yaml-cpp's 0.050000000000000003.
std::string number(double value) {
    return fmt::format("{}", value);
}

template <class S>
void emit_keys(YAML::Emitter& out, const S& s);

// One value, as its key's kind says: secrets redacted, numbers as written,
// durations as format_duration writes them.
template <class S>
void emit_key(YAML::Emitter& out, const config_detail::Key<S>& key, const S& s) {
    out << YAML::Key << key.name << YAML::Value;
    std::visit(
        [&](auto member) {
            const auto& value = s.*member;
            using T = std::remove_cvref_t<decltype(value)>;
            if constexpr (std::is_same_v<T, std::string>) {
                if (key.kind == config_detail::Kind::secret) {
                    out << secret(value);
                } else if (key.kind == config_detail::Kind::conninfo) {
                    out << redact_database_url(value);
                    if (const auto params = store::parse_conninfo(value)) {
                        // How the server will be checked, which the URL alone does not say
                        // (libpq's defaults, the environment, the system CA bundle).
                        out << YAML::Comment(
                            store::tls_verification(*params, store::TlsEnvironment::of_process())
                                .description);
                    }
                } else {
                    out << value;
                }
            } else if constexpr (std::is_same_v<T, std::optional<std::string>>) {
                if (key.kind == config_detail::Kind::secret) {
                    out << (value ? redacted : "");
                } else {
                    out << value.value_or("");
                }
            } else if constexpr (std::is_same_v<T, double>) {
                out << number(value);
            } else if constexpr (std::is_same_v<T, Duration>) {
                out << format_duration(value);
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                out << YAML::Flow << value;
            } else if constexpr (std::is_same_v<T, std::vector<Duration>>) {
                emit_duration_list(out, value);
            } else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, bool>) {
                out << value;
            } else {
                out << YAML::BeginSeq;
                for (const auto& item : value) {
                    emit_keys(out, item);
                }
                out << YAML::EndSeq;
            }
        },
        key.member);
}

template <class S>
void emit_keys(YAML::Emitter& out, const S& s) {
    out << YAML::BeginMap;
    for (const auto& key : config_detail::keys_of<S>()) {
        emit_key(out, key, s);
    }
    out << YAML::EndMap;
}

}  // namespace

std::string redact_database_url(const std::string& url) {
    if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
        auto parsed = boost::urls::parse_uri(url);
        if (!parsed) {
            return "<unparseable database url>";
        }
        boost::urls::url u(*parsed);
        if (u.has_password()) {
            u.set_password("REDACTED");
        }
        // password and sslpassword (set() invalidates: continue from what it returns).
        for (auto it = u.params().begin(); it != u.params().end(); ++it) {
            if ((*it).key.ends_with("password")) {
                it = u.params().set(it, "REDACTED");
            }
        }
        return std::string(u.buffer());
    }
    // key=value form (libpq conninfo): replace the value after "password =",
    // which may be 'quoted with \' escapes' or run to the next space.
    std::string out;
    std::size_t i = 0;
    while (i < url.size()) {
        const auto at = url.find("password", i);
        if (at == std::string::npos) {
            break;
        }
        auto j = at + 8;
        while (j < url.size() && url[j] == ' ') {
            ++j;
        }
        // "password" or "sslpassword", as a whole key.
        const bool starts_key =
            at == 0 || url[at - 1] == ' ' ||
            (at >= 3 && url.compare(at - 3, 3, "ssl") == 0 && (at == 3 || url[at - 4] == ' '));
        const bool is_key = starts_key && j < url.size() && url[j] == '=';
        if (!is_key) {
            out.append(url, i, j - i);
            i = j;
            continue;
        }
        ++j;
        while (j < url.size() && url[j] == ' ') {
            ++j;
        }
        if (j < url.size() && url[j] == '\'') {
            for (++j; j < url.size() && url[j] != '\''; ++j) {
                j += url[j] == '\\' ? 1 : 0;
            }
            ++j;
        } else {
            while (j < url.size() && url[j] != ' ') {
                ++j;
            }
        }
        out.append(url, i, at - i);
        out += "password=REDACTED";
        i = std::min(j, url.size());
    }
    out.append(url, std::min(i, url.size()), std::string::npos);
    return out;
}

std::string to_redacted_yaml(const Config& c) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    for (const auto& section : config_detail::sections()) {
        std::visit(
            [&](auto member) {
                const auto& value = c.*member;
                using T = std::remove_cvref_t<decltype(value)>;
                if constexpr (std::is_same_v<T, typename config_detail::unwrap_optional<T>::type>) {
                    out << YAML::Key << section.name << YAML::Value;
                    emit_keys(out, value);
                } else if (value) {
                    out << YAML::Key << section.name << YAML::Value;
                    emit_keys(out, *value);
                }
            },
            section.member);
    }
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace deliveryd::app
