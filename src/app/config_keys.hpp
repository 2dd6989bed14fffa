// Every configuration key, declared once: its name, where it lives in
// Config, how it is read and printed, and what it is for. The parser
// (config_parse.cpp), the redacted printer (config_print.cpp) and the test
// that holds config/example.yaml to the same keys all walk these tables, so
// a key added here is known, read, printed and documented-or-failing at once.
// Private to app/.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "deliveryd/app/config.hpp"

#include "app/config_reader.hpp"

namespace deliveryd::app::config_detail {

// How a value is read and printed. The member's type says what it holds;
// the kind adds what the type cannot (secret or not, which bounds apply).
enum class Kind {
    text,              // std::string or std::optional<std::string>, printed as is
    secret,            // printed as <redacted> when set
    conninfo,          // a libpq connection string, printed with its password redacted
    positive,          // int > 0
    rate,              // calls per second: double >= 0, 0 turns the API off
    share,             // double in [0, Key::max]
    duration,          // "30s"; longer than 0
    duration_or_zero,  // "0s" allowed
    boolean,           // true or false
    list,              // a list of strings
    duration_list,     // a non-empty list of durations, each longer than 0
    items,             // a list of maps, each read with the element type's own table
};

template <class S>
struct Key {
    using Member =
        std::variant<std::string S::*, std::optional<std::string> S::*, int S::*, double S::*,
                     bool S::*, Duration S::*, std::vector<std::string> S::*,
                     std::vector<Duration> S::*, std::vector<EsmsAccount> S::*>;
    // Checks beyond the kind, run once the whole section is read (some
    // compare keys with each other). `here` is this key's path.
    using Check = void (*)(Reader& r, const YAML::Node& node, const std::string& here, S& section);

    const char* name;
    Member member;
    Kind kind;
    const char* doc;
    bool required = false;
    Check check = nullptr;
    double max = 0;              // share: the largest value accepted
    bool unique = false;         // within a list of items: no two items share the value
    const char* item = nullptr;  // items: what one item is called in messages
};

// A top-level section: a member of Config, read with its type's table. An
// optional member is left unset when the section is absent or empty.
struct Section {
    using Member = std::variant<DatabaseConfig Config::*, HttpConfig Config::*,
                                AdminConfig Config::*, EsmsConfig Config::*,
                                std::optional<EtelecomConfig> Config::*, ReconcileConfig Config::*,
                                ArchiveConfig Config::*, FeedConfig Config::*, LogConfig Config::*>;
    const char* name;
    Member member;
    const char* doc;
    bool required = false;
};

std::span<const Section> sections();
std::span<const Key<DatabaseConfig>> keys(std::type_identity<DatabaseConfig>);
std::span<const Key<HttpConfig>> keys(std::type_identity<HttpConfig>);
std::span<const Key<AdminConfig>> keys(std::type_identity<AdminConfig>);
std::span<const Key<EsmsConfig>> keys(std::type_identity<EsmsConfig>);
std::span<const Key<EsmsAccount>> keys(std::type_identity<EsmsAccount>);
std::span<const Key<ArchiveConfig>> keys(std::type_identity<ArchiveConfig>);
std::span<const Key<FeedConfig>> keys(std::type_identity<FeedConfig>);
std::span<const Key<EtelecomConfig>> keys(std::type_identity<EtelecomConfig>);
std::span<const Key<ReconcileConfig>> keys(std::type_identity<ReconcileConfig>);
std::span<const Key<LogConfig>> keys(std::type_identity<LogConfig>);

template <class T>
struct unwrap_optional {
    using type = T;
};
template <class T>
struct unwrap_optional<std::optional<T>> {
    using type = T;
};

// The table for the struct a section member or an items member holds.
template <class S>
std::span<const Key<S>> keys_of() {
    return keys(std::type_identity<S>{});
}

// The names of a table's keys, in order, for Reader::section.
template <class S>
std::vector<std::string_view> names_of() {
    std::vector<std::string_view> names;
    for (const auto& key : keys_of<S>()) {
        names.emplace_back(key.name);
    }
    return names;
}

}  // namespace deliveryd::app::config_detail
