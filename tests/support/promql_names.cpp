#include "support/promql_names.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <sstream>
#include <thread>

#include "support/http_get.hpp"

namespace deliveryd::testing {

namespace {

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':';
}

void skip_spaces(const std::string& text, std::size_t& i) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) {
        ++i;
    }
}

// The quoted string at text[i] (a backslash escapes the next character);
// i ends past its closing quote.
std::string quoted(const std::string& text, std::size_t& i) {
    std::string value;
    const char quote = text[i++];
    for (; i < text.size() && text[i] != quote; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
            ++i;
        }
        value += text[i];
    }
    ++i;
    return value;
}

// Calls found(query, name, position after the name) for every identifier of
// the queries that starts with one of the prefixes; quoted strings and
// comments are skipped. A scan rather than std::regex, whose GCC 12
// implementation trips -Wmaybe-uninitialized in sanitizer builds.
template <typename Found>
void scan_names(const std::vector<std::string>& queries, const std::vector<std::string>& prefixes,
                Found found) {
    for (const auto& query : queries) {
        for (std::size_t i = 0; i < query.size();) {
            if (query[i] == '"' || query[i] == '\'') {
                quoted(query, i);  // a label value or a string, not a name
                continue;
            }
            if (query[i] == '#') {
                i = std::min(query.find('\n', i), query.size());  // a comment
                continue;
            }
            if (!is_name_char(query[i])) {
                ++i;
                continue;
            }
            auto end = i;
            while (end < query.size() && is_name_char(query[end])) {
                ++end;
            }
            const auto word = query.substr(i, end - i);
            if (std::any_of(prefixes.begin(), prefixes.end(),
                            [&](const std::string& p) { return word.starts_with(p); })) {
                found(query, word, end);
            }
            i = end;
        }
    }
}

// The selector of `name` whose { is at query[i] (after spaces), with its
// equality matchers; none when there is no selector or it is not one this
// scan understands.
Selector selector_at(const std::string& query, const std::string& name, std::size_t i) {
    Selector selector{.metric = name, .equal = {}};
    skip_spaces(query, i);
    if (i >= query.size() || query[i] != '{') {
        return selector;
    }
    ++i;
    while (i < query.size() && query[i] != '}') {
        skip_spaces(query, i);
        const auto start = i;
        while (i < query.size() && is_name_char(query[i])) {
            ++i;
        }
        const auto label = query.substr(start, i - start);
        skip_spaces(query, i);
        const auto op_start = i;
        while (i < query.size() && (query[i] == '=' || query[i] == '!' || query[i] == '~')) {
            ++i;
        }
        const auto op = query.substr(op_start, i - op_start);
        skip_spaces(query, i);
        if (label.empty() || op.empty() || i >= query.size() ||
            (query[i] != '"' && query[i] != '\'')) {
            return {.metric = name, .equal = {}};
        }
        auto value = quoted(query, i);
        if (op == "=") {
            selector.equal.emplace(label, std::move(value));
        }
        skip_spaces(query, i);
        if (i < query.size() && query[i] == ',') {
            ++i;
        }
    }
    return selector;
}

}  // namespace

std::set<std::string> metric_names(const std::vector<std::string>& queries,
                                   const std::vector<std::string>& prefixes) {
    std::set<std::string> names;
    scan_names(queries, prefixes, [&](const std::string&, const std::string& name, std::size_t) {
        names.insert(name);
    });
    return names;
}

std::set<Selector> equality_selectors(const std::vector<std::string>& queries,
                                      const std::vector<std::string>& prefixes) {
    std::set<Selector> selectors;
    scan_names(queries, prefixes,
               [&](const std::string& query, const std::string& name, std::size_t after) {
                   auto selector = selector_at(query, name, after);
                   if (!selector.equal.empty()) {
                       selectors.insert(std::move(selector));
                   }
               });
    return selectors;
}

std::string to_string(const Selector& selector) {
    std::string text = selector.metric + "{";
    for (const auto& [label, value] : selector.equal) {
        text += (text.back() == '{' ? "" : ", ") + label + "=\"" + value + "\"";
    }
    return text + "}";
}

Exposition::Exposition(const std::string& text) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("# TYPE ")) {
            std::istringstream words(line.substr(7));
            std::string family;
            std::string type;
            words >> family >> type;
            types[family] = type;
        } else if (!line.empty() && line[0] != '#') {
            const auto name_end = line.find_first_of("{ ");
            samples.insert(line.substr(0, name_end));
            if (name_end != std::string::npos && line[name_end] == '{') {
                labels.emplace(line.substr(0, name_end),
                               line.substr(name_end, line.find('}', name_end) - name_end + 1));
            }
        }
    }
}

bool Exposition::has(const std::string& name) const {
    if (types.contains(name) || samples.contains(name)) {
        return true;
    }
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
        if (name.ends_with(suffix)) {
            const auto it = types.find(name.substr(0, name.size() - suffix.size()));
            if (it != types.end() &&
                (it->second == "histogram" || (it->second == "summary" && suffix != "_bucket"))) {
                return true;
            }
        }
    }
    return false;
}

bool Exposition::has(const Selector& selector) const {
    // Each pair as the exposition writes it, after the { or a comma.
    const auto carries = [](const std::string& text, const std::string& pair) {
        for (auto at = text.find(pair); at != std::string::npos; at = text.find(pair, at + 1)) {
            if (at > 0 && (text[at - 1] == '{' || text[at - 1] == ',')) {
                return true;
            }
        }
        return false;
    };
    const auto [begin, end] = labels.equal_range(selector.metric);
    return std::any_of(begin, end, [&](const auto& sample) {
        return std::all_of(selector.equal.begin(), selector.equal.end(), [&](const auto& m) {
            return carries(sample.second, m.first + "=\"" + m.second + "\"");
        });
    });
}

std::vector<std::string> missing_from(const std::set<std::string>& wanted,
                                      const Exposition& exposition) {
    std::vector<std::string> missing;
    std::copy_if(wanted.begin(), wanted.end(), std::back_inserter(missing),
                 [&](const std::string& n) { return !exposition.has(n); });
    return missing;
}

ExportWait wait_until_exported(unsigned short port, const std::set<std::string>& wanted,
                               std::chrono::milliseconds timeout) {
    ExportWait wait{.missing = std::vector<std::string>(wanted.begin(), wanted.end())};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!wait.missing.empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        const auto scrape = http_get(port, "/metrics", std::chrono::seconds(5));
        if (scrape.status != 200) {
            continue;
        }
        const Exposition exposition(scrape.body);
        wait.exported = exposition.types.size();
        wait.missing = missing_from(wanted, exposition);
    }
    return wait;
}

std::string joined(const std::vector<std::string>& items) {
    std::string s;
    for (const auto& item : items) {
        s += (s.empty() ? "" : ", ") + item;
    }
    return s;
}

}  // namespace deliveryd::testing
