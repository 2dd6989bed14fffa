#include "query_formats.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "options.hpp"

namespace loadgen {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

std::optional<QueryFormat> format_of(std::string query) {
    while (!query.empty() && (query.back() == '\n' || query.back() == '\r')) {
        query.pop_back();
    }
    std::size_t start = 0;
    while (start < query.size()) {
        auto end = query.find('&', start);
        if (end == std::string::npos) {
            end = query.size();
        }
        const std::string_view field(query.data() + start, end - start);
        const auto eq = field.find('=');
        if (eq != std::string_view::npos && iequals(field.substr(0, eq), "smsid")) {
            return QueryFormat{query.substr(0, start + eq + 1), query.substr(end)};
        }
        start = end + 1;
    }
    return std::nullopt;
}

std::vector<QueryFormat> load_formats(const std::string& dir) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const auto name = entry.path().filename().string();
        if (name.starts_with("callback_") && name.ends_with(".txt")) {
            files.push_back(entry.path());
        }
    }
    if (ec) {
        throw UsageError("--seeds: cannot read " + dir + ": " + ec.message());
    }
    std::sort(files.begin(), files.end());
    std::vector<QueryFormat> formats;
    for (const auto& file : files) {
        std::ifstream in(file);
        std::stringstream text;
        text << in.rdbuf();
        const auto format = format_of(text.str());
        const bool seen =
            format && std::any_of(formats.begin(), formats.end(), [&](const QueryFormat& f) {
                return f.before == format->before && f.after == format->after;
            });
        if (format && !seen) {
            formats.push_back(*format);
        }
    }
    if (formats.empty()) {
        throw UsageError("--seeds: no callback_*.txt with an SMSID in " + dir);
    }
    return formats;
}

}  // namespace loadgen
