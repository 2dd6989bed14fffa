// The provider samples transcribed from the providers' documents into tests/data/seeds,
// and the answers written from their field lists in tests/data/documented.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

namespace deliveryd::testing {

// The file's bytes as they are; a missing file fails the test.
inline std::string read_seed(const std::string& name) {
    std::ifstream in(std::string(DELIVERYD_SEEDS_DIR) + "/" + name, std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), {}};
    EXPECT_FALSE(text.empty()) << name << " missing";
    return text;
}

// An answer written from a provider's field list where it publishes no
// sample (tests/data/documented/README.md).
inline std::string read_documented(const std::string& name) {
    std::ifstream in(std::string(DELIVERYD_SEEDS_DIR) + "/../documented/" + name, std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), {}};
    EXPECT_FALSE(text.empty()) << name << " missing";
    return text;
}

// A one-line sample (a callback query) without its final line break.
inline std::string read_seed_line(const std::string& name) {
    auto text = read_seed(name);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.pop_back();
    }
    return text;
}

}  // namespace deliveryd::testing
