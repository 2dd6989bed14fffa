// Reads the YAML configuration into Config. Every problem is collected with
// its key path ("esms.accounts[0].api_key: ...") and reported together, so an
// operator fixes a file in one round instead of one error per restart.
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <variant>

#include <yaml-cpp/yaml.h>

#include "deliveryd/app/config.hpp"

#include "app/config_keys.hpp"
#include "app/config_reader.hpp"

namespace deliveryd::app {
namespace {

using config_detail::Key;
using config_detail::keys_of;
using config_detail::Kind;
using config_detail::names_of;
using config_detail::Reader;
using config_detail::Section;

std::string join_problems(const std::vector<std::string>& problems) {
    std::string text = "invalid configuration:";
    for (const auto& p : problems) {
        text += "\n  " + p;
    }
    return text;
}

template <class S>
void read_keys(Reader& r, const YAML::Node& node, const std::string& path, S& s);
template <class S, class Item>
void read_items(Reader& r, const YAML::Node& node, const std::string& path, const Key<S>& key,
                std::vector<Item>& out);

// One key of `s`, as its kind says; checks that need the whole section run
// later, from read_keys.
template <class S>
void read_key(Reader& r, const YAML::Node& node, const std::string& path, const Key<S>& key, S& s) {
    std::visit(
        [&](auto member) {
            auto& out = s.*member;
            using T = std::remove_cvref_t<decltype(out)>;
            if constexpr (std::is_same_v<T, std::string>) {
                r.read(node, path, key.name, out, key.required);
            } else if constexpr (std::is_same_v<T, std::optional<std::string>>) {
                r.read(node, path, key.name, out);
            } else if constexpr (std::is_same_v<T, int>) {
                r.read_positive(node, path, key.name, out);
            } else if constexpr (std::is_same_v<T, double>) {
                if (key.kind == Kind::share) {
                    r.read_share(node, path, key.name, out, key.max);
                } else {
                    r.read_rate(node, path, key.name, out);
                }
            } else if constexpr (std::is_same_v<T, bool>) {
                r.read(node, path, key.name, out);
            } else if constexpr (std::is_same_v<T, Duration>) {
                r.read_duration(node, path, key.name, out, key.kind == Kind::duration_or_zero);
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                if (auto items = r.list(node, path, key.name)) {
                    out = std::move(*items);
                }
            } else if constexpr (std::is_same_v<T, std::vector<Duration>>) {
                r.read_duration_list(node, path, key.name, out);
            } else {
                read_items(r, node, path, key, out);
            }
        },
        key.member);
}

// A list of maps, each read with its element type's table. Keys marked
// unique must differ between items.
template <class S, class Item>
void read_items(Reader& r, const YAML::Node& node, const std::string& path, const Key<S>& key,
                std::vector<Item>& out) {
    const auto here = Reader::join(path, key.name);
    const auto list = node[key.name];
    if (!list.IsDefined() || list.IsNull()) {
        return;
    }
    if (!list.IsSequence()) {
        r.problem(here, std::string("expected a list of ") + key.item + "s");
        return;
    }
    const auto names = names_of<Item>();
    std::vector<std::set<std::string>> seen(keys_of<Item>().size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto item_path = here + "[" + std::to_string(i) + "]";
        const auto item = list[i];
        if (!r.section(item, item_path, names)) {
            continue;
        }
        Item value;
        read_keys(r, item, item_path, value);
        for (std::size_t k = 0; k < keys_of<Item>().size(); ++k) {
            const auto& item_key = keys_of<Item>()[k];
            const auto* member = std::get_if<std::string Item::*>(&item_key.member);
            if (!item_key.unique || member == nullptr || (value.**member).empty()) {
                continue;
            }
            if (!seen[k].insert(value.**member).second) {
                r.problem(Reader::join(item_path, item_key.name),
                          std::string("duplicate ") + key.item + " " + item_key.name + " \"" +
                              value.**member + "\"");
            }
        }
        out.push_back(std::move(value));
    }
}

// Every key of a map already checked for unknown keys, then every check.
template <class S>
void read_keys(Reader& r, const YAML::Node& node, const std::string& path, S& s) {
    for (const auto& key : keys_of<S>()) {
        read_key(r, node, path, key, s);
    }
    for (const auto& key : keys_of<S>()) {
        if (key.check != nullptr) {
            key.check(r, node, Reader::join(path, key.name), s);
        }
    }
}

// A top-level section. An optional one stays unset when absent or empty;
// the others keep their defaults when absent.
void read_section(Reader& r, const YAML::Node& root, const Section& section, Config& config) {
    const auto node = root[section.name];
    std::visit(
        [&](auto member) {
            auto& out = config.*member;
            using T = std::remove_cvref_t<decltype(out)>;
            using S = typename config_detail::unwrap_optional<T>::type;
            if constexpr (!std::is_same_v<T, S>) {
                if (!node.IsDefined() || node.IsNull() ||
                    !r.section(node, section.name, names_of<S>())) {
                    return;
                }
                S value;
                read_keys(r, node, section.name, value);
                out = std::move(value);
            } else {
                if (!node.IsDefined()) {
                    if (section.required) {
                        r.problem(section.name, "missing required section");
                    }
                    return;
                }
                if (r.section(node, section.name, names_of<S>())) {
                    read_keys(r, node, section.name, out);
                }
            }
        },
        section.member);
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(join_problems(problems)), problems_(std::move(problems)) {}

std::optional<std::string> process_env(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
        return std::nullopt;
    }
    return std::string(value);
}

Config parse_config(const std::string& yaml_text, EnvLookup env) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        throw ConfigError({"line " + std::to_string(e.mark.line + 1) + ", column " +
                           std::to_string(e.mark.column + 1) + ": " + e.msg});
    }
    std::vector<std::string> problems;
    Reader r(env, problems);
    Config config;
    if (!root.IsMap()) {
        throw ConfigError({"(top level): expected a map of sections"});
    }
    std::vector<std::string_view> names;
    for (const auto& section : config_detail::sections()) {
        names.emplace_back(section.name);
    }
    if (r.section(root, "", names)) {
        for (const auto& section : config_detail::sections()) {
            read_section(r, root, section, config);
        }
    }
    // A row leaves delivery_state only once nothing polls it any more, with
    // a day to spare for reports that arrive after the window.
    if (const auto least = config.reconcile.window + std::chrono::hours(24);
        config.archive.after < least) {
        r.problem("archive.after",
                  "must be at least reconcile.window + 1d (" + format_duration(least) + ")");
    }
    if (!problems.empty()) {
        throw ConfigError(std::move(problems));
    }
    return config;
}

reconcile::PollingSettings polling_settings(const Config& config) {
    return {.esms = config.esms,
            .etelecom = config.etelecom,
            .schedule = config.reconcile,
            .database_url = config.database.url,
            .connect_timeout = config.database.connect_timeout};
}

Config load_config_file(const std::string& path, EnvLookup env) {
    std::ifstream in(path);
    if (!in) {
        throw ConfigError({path + ": cannot open the configuration file"});
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), env);
}

}  // namespace deliveryd::app
