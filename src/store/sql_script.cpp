#include "store/sql_script.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "deliveryd/core/text.hpp"

namespace deliveryd::store {
namespace {

// White space between SQL tokens: what std::isspace accepts in the C locale.
constexpr std::string_view sql_space = " \t\n\v\f\r";

bool is_space(char c) {
    return sql_space.find(c) != std::string_view::npos;
}

// The dollar-quote tag opening at text[i] ("$$" or "$name$"), or empty.
std::string_view dollar_tag(std::string_view text, std::size_t i) {
    std::size_t j = i + 1;
    while (j < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[j])) != 0 || text[j] == '_')) {
        ++j;
    }
    if (j < text.size() && text[j] == '$' &&
        (j == i + 1 || std::isdigit(static_cast<unsigned char>(text[i + 1])) == 0)) {
        return text.substr(i, j - i + 1);
    }
    return {};
}

// Where what opens at text[i] (a quote, a comment, a dollar quote) ends:
// the index after it, or i itself when nothing opens there.
std::size_t skip_quoted(std::string_view text, std::size_t i) {
    const auto until = [&](std::string_view closing, std::size_t from, const char* what) {
        const auto end = text.find(closing, from);
        if (end == std::string_view::npos) {
            throw std::invalid_argument(std::string("SQL script: ") + what + " is not closed");
        }
        return end + closing.size();
    };
    const char c = text[i];
    if (c == '\'' || c == '"') {
        // A doubled quote is one quote inside: skipping pairs handles it.
        return until(std::string_view(&text[i], 1), i + 1,
                     c == '\'' ? "a quoted string" : "a quoted name");
    }
    if (text.substr(i, 2) == "--") {
        const auto end = text.find('\n', i);
        return end == std::string_view::npos ? text.size() : end + 1;
    }
    if (text.substr(i, 2) == "/*") {
        return until("*/", i + 2, "a comment");
    }
    if (c == '$') {
        if (const auto tag = dollar_tag(text, i); !tag.empty()) {
            return until(tag, i + tag.size(), "a dollar-quoted body");
        }
    }
    return i;
}

// True when `text` holds only whitespace and comments.
bool only_comments(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const bool comment = text.substr(i, 2) == "--" || text.substr(i, 2) == "/*";
        if (is_space(text[i])) {
            ++i;
        } else if (comment) {
            i = skip_quoted(text, i);
        } else {
            return false;
        }
    }
    return true;
}

std::string lowered(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// The statement's words up to the first '(' outside a quoted name (enough
// for an index's head), as views into it.
std::vector<std::string_view> head_words(std::string_view statement) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < statement.size() && statement[i] != '(') {
        if (is_space(statement[i])) {
            ++i;
            continue;
        }
        const auto start = i;
        if (statement[i] == '"') {
            // A quoted name is one word, spaces and all.
            const auto close = statement.find('"', i + 1);
            i = close == std::string_view::npos ? statement.size() : close + 1;
        } else {
            while (i < statement.size() && !is_space(statement[i]) && statement[i] != '(') {
                ++i;
            }
        }
        words.push_back(statement.substr(start, i - start));
    }
    return words;
}

// The statement without the comments before it (they are its own, not part
// of what it does).
std::string_view without_leading_comments(std::string_view statement) {
    std::size_t at = 0;
    while (at < statement.size() && (is_space(statement[at]) || statement.substr(at, 2) == "--" ||
                                     statement.substr(at, 2) == "/*")) {
        at = is_space(statement[at]) ? at + 1 : skip_quoted(statement, at);
    }
    return statement.substr(at);
}

std::string index_statement(const ConcurrentIndex& index, std::string_view how,
                            std::string_view on) {
    std::string statement = index.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ";
    statement.append(how).append(index.name).append(" ON ").append(on).append(" ");
    return statement.append(index.definition);
}

}  // namespace

bool runs_outside_a_transaction(std::string_view script) {
    return script.starts_with(no_transaction_marker);
}

std::vector<std::string> split_statements(std::string_view script) {
    std::vector<std::string> statements;
    std::size_t start = 0;
    const auto finish = [&](std::size_t end) {
        const auto statement = script.substr(start, end - start);
        if (!only_comments(statement)) {
            statements.emplace_back(core::trim(statement, sql_space));
        }
        start = end + 1;
    };
    for (std::size_t i = 0; i < script.size();) {
        if (const auto after = skip_quoted(script, i); after != i) {
            i = after;
        } else if (script[i] == ';') {
            finish(i);
            ++i;
        } else {
            ++i;
        }
    }
    if (start < script.size()) {
        finish(script.size());
    }
    return statements;
}

std::optional<ConcurrentIndex> concurrent_index(std::string_view statement) {
    statement = without_leading_comments(statement);
    const auto words = head_words(statement);
    std::size_t i = 0;
    const auto next_is = [&](std::string_view word) {
        if (i < words.size() && lowered(words[i]) == word) {
            ++i;
            return true;
        }
        return false;
    };
    if (!next_is("create")) {
        return std::nullopt;
    }
    ConcurrentIndex index;
    index.unique = next_is("unique");
    if (!next_is("index") || !next_is("concurrently")) {
        return std::nullopt;
    }
    if (next_is("if")) {
        if (!next_is("not") || !next_is("exists")) {
            return std::nullopt;
        }
    }
    if (i >= words.size() || lowered(words[i]) == "on") {
        return std::nullopt;  // no name: PostgreSQL picks one
    }
    index.name = words[i++];
    if (!next_is("on") || i >= words.size() || lowered(words[i]) == "only") {
        return std::nullopt;
    }
    const auto table = words[i];
    index.table = table;
    const auto after_table =
        static_cast<std::size_t>(table.data() - statement.data()) + table.size();
    index.definition = core::trim(statement.substr(after_table), sql_space);
    return index;
}

std::string concurrent_build(const ConcurrentIndex& index) {
    return index_statement(index, "CONCURRENTLY ", index.table);
}

std::string partitioned_parent_build(const ConcurrentIndex& index) {
    return index_statement(index, "", "ONLY " + index.table);
}

bool runs_concurrently(std::string_view statement) {
    const auto words = head_words(without_leading_comments(statement));
    return std::any_of(words.begin(), words.end(),
                       [](std::string_view word) { return lowered(word) == "concurrently"; });
}

}  // namespace deliveryd::store
