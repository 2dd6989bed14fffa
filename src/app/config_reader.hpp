// The YAML walker behind parse_config (config_parse.cpp): reads scalars,
// numbers, durations and lists, interpolates ${VAR}, and collects every
// problem with its key path. Private to app/.
#pragma once

#include <charconv>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "deliveryd/app/config.hpp"

namespace deliveryd::app::config_detail {

inline const char* node_kind(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Null:
            return "nothing";
        case YAML::NodeType::Scalar:
            return "a scalar";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Map:
            return "a map";
        case YAML::NodeType::Undefined:
            break;
    }
    return "nothing";
}

// Walks the document, converting values and collecting problems.
class Reader {
  public:
    Reader(EnvLookup env, std::vector<std::string>& problems) : env_(env), problems_(problems) {}

    void problem(const std::string& path, const std::string& what) {
        problems_.push_back(path + ": " + what);
    }

    // A section that must be a map when present. Reports keys not in `known`.
    bool section(const YAML::Node& node, const std::string& path,
                 const std::vector<std::string_view>& known) {
        if (!node.IsMap()) {
            problem(path, std::string("expected a map, found ") + node_kind(node));
            return false;
        }
        for (const auto& entry : node) {
            const auto key = entry.first.as<std::string>("");
            bool found = false;
            for (const auto k : known) {
                found = found || k == key;
            }
            if (!found) {
                problem(join(path, key), "unknown key");
            }
        }
        return true;
    }

    // The scalar at parent[key] after ${VAR} interpolation; nullopt if absent
    // (reported when required) or malformed (always reported).
    std::optional<std::string> scalar(const YAML::Node& parent, const std::string& path,
                                      const char* key, bool required = false) {
        const auto node = parent[key];
        const auto here = join(path, key);
        if (!node.IsDefined() || node.IsNull()) {
            if (required) {
                problem(here, "missing required key");
            }
            return std::nullopt;
        }
        if (!node.IsScalar()) {
            problem(here, std::string("expected a single value, found ") + node_kind(node));
            return std::nullopt;
        }
        return interpolate(node.Scalar(), here);
    }

    void read(const YAML::Node& parent, const std::string& path, const char* key, std::string& out,
              bool required = false) {
        if (auto value = scalar(parent, path, key, required)) {
            out = std::move(*value);
        }
    }

    void read(const YAML::Node& parent, const std::string& path, const char* key, bool& out) {
        if (const auto value = scalar(parent, path, key)) {
            if (*value == "true") {
                out = true;
            } else if (*value == "false") {
                out = false;
            } else {
                problem(join(path, key), "expected true or false, found \"" + *value + "\"");
            }
        }
    }

    void read(const YAML::Node& parent, const std::string& path, const char* key,
              std::optional<std::string>& out) {
        if (auto value = scalar(parent, path, key)) {
            out = std::move(*value);
        }
    }

    template <class T>
    struct Number {
        T value;
        std::string text;  // as written, for messages
    };

    // The scalar at `key` as a T, or nullopt (absent, or reported as "expected
    // `what`" when it does not parse whole).
    template <class T>
    std::optional<Number<T>> number(const YAML::Node& parent, const std::string& path,
                                    const char* key, const char* what) {
        const auto value = scalar(parent, path, key);
        if (!value) {
            return std::nullopt;
        }
        T parsed{};
        const auto* end = value->data() + value->size();
        const auto [rest, ec] = std::from_chars(value->data(), end, parsed);
        if (ec != std::errc{} || rest != end) {
            problem(join(path, key),
                    std::string("expected ") + what + ", found \"" + *value + "\"");
            return std::nullopt;
        }
        return Number<T>{parsed, *value};
    }

    void read_positive(const YAML::Node& parent, const std::string& path, const char* key,
                       int& out) {
        if (const auto parsed = number<int>(parent, path, key, "an integer")) {
            if (parsed->value <= 0) {
                problem(join(path, key), "must be > 0, found " + parsed->text);
            } else {
                out = parsed->value;
            }
        }
    }

    void read_rate(const YAML::Node& parent, const std::string& path, const char* key,
                   double& out) {
        if (const auto parsed = number<double>(parent, path, key, "a number")) {
            if (!(parsed->value >= 0) || parsed->value > 1e6) {
                problem(
                    join(path, key),
                    "must be >= 0 (calls per second; 0 turns the API off), found " + parsed->text);
            } else {
                out = parsed->value;
            }
        }
    }

    // A share in [0, max_share], e.g. reconcile.rate_margin.
    void read_share(const YAML::Node& parent, const std::string& path, const char* key, double& out,
                    double max_share) {
        if (const auto parsed = number<double>(parent, path, key, "a number")) {
            if (!(parsed->value >= 0) || parsed->value > max_share) {
                problem(join(path, key), "must be between 0 and " + std::to_string(max_share) +
                                             ", found " + parsed->text);
            } else {
                out = parsed->value;
            }
        }
    }

    void read_duration(const YAML::Node& parent, const std::string& path, const char* key,
                       Duration& out, bool allow_zero = false) {
        if (const auto value = scalar(parent, path, key)) {
            if (auto d = checked_duration(*value, join(path, key), allow_zero)) {
                out = *d;
            }
        }
    }

    std::optional<Duration> checked_duration(const std::string& text, const std::string& here,
                                             bool allow_zero) {
        const auto d = parse_duration(text);
        if (!d) {
            problem(here, "bad duration \"" + text +
                              "\" (expected a whole number and a unit: ms, s, m, h or d)");
            return std::nullopt;
        }
        if (!allow_zero && d->count() == 0) {
            problem(here, "must be longer than 0");
            return std::nullopt;
        }
        return d;
    }

    // A non-empty list of durations, each longer than 0; `out` is replaced
    // only when every step is good.
    void read_duration_list(const YAML::Node& parent, const std::string& path, const char* key,
                            std::vector<Duration>& out) {
        const auto steps = list(parent, path, key);
        if (!steps) {
            return;
        }
        const auto here = join(path, key);
        if (steps->empty()) {
            problem(here, "needs at least one step");
        }
        std::vector<Duration> parsed;
        for (std::size_t i = 0; i < steps->size(); ++i) {
            if (auto d =
                    checked_duration((*steps)[i], here + "[" + std::to_string(i) + "]", false)) {
                parsed.push_back(*d);
            }
        }
        if (parsed.size() == steps->size() && !parsed.empty()) {
            out = std::move(parsed);
        }
    }

    // A list of scalars; nullopt when absent or malformed.
    std::optional<std::vector<std::string>> list(const YAML::Node& parent, const std::string& path,
                                                 const char* key) {
        const auto node = parent[key];
        const auto here = join(path, key);
        if (!node.IsDefined() || node.IsNull()) {
            return std::nullopt;
        }
        if (!node.IsSequence()) {
            problem(here, std::string("expected a list, found ") + node_kind(node));
            return std::nullopt;
        }
        std::vector<std::string> items;
        for (std::size_t i = 0; i < node.size(); ++i) {
            const auto item_path = here + "[" + std::to_string(i) + "]";
            if (!node[i].IsScalar()) {
                problem(item_path,
                        std::string("expected a single value, found ") + node_kind(node[i]));
                continue;
            }
            if (auto value = interpolate(node[i].Scalar(), item_path)) {
                items.push_back(std::move(*value));
            }
        }
        return items;
    }

    static std::string join(const std::string& path, std::string_view key) {
        return path.empty() ? std::string(key) : path + "." + std::string(key);
    }

  private:
    // Replaces ${NAME} and ${NAME:-fallback}. "$$" stands for a literal "$".
    std::optional<std::string> interpolate(std::string_view text, const std::string& here) {
        std::string out;
        bool ok = true;
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] != '$' || i + 1 == text.size()) {
                out += text[i];
                continue;
            }
            if (text[i + 1] == '$') {
                out += '$';
                ++i;
                continue;
            }
            if (text[i + 1] != '{') {
                out += text[i];
                continue;
            }
            const auto close = text.find('}', i + 2);
            if (close == std::string_view::npos) {
                problem(here, "unterminated ${ in value");
                return std::nullopt;
            }
            auto inner = text.substr(i + 2, close - i - 2);
            std::optional<std::string_view> fallback;
            if (const auto sep = inner.find(":-"); sep != std::string_view::npos) {
                fallback = inner.substr(sep + 2);
                inner = inner.substr(0, sep);
            }
            const std::string name(inner);
            if (name.empty()) {
                problem(here, "empty variable name in ${}");
                ok = false;
            } else if (auto value = env_(name)) {
                out += *value;
            } else if (fallback) {
                out += *fallback;
            } else {
                problem(here, "environment variable " + name + " is not set");
                ok = false;
            }
            i = close;
        }
        if (!ok) {
            return std::nullopt;
        }
        return out;
    }

    EnvLookup env_;
    std::vector<std::string>& problems_;
};

}  // namespace deliveryd::app::config_detail
