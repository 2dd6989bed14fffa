// Deterministic randomness: the same seed gives the same messages, drops and
// faults on every platform (no std distributions, whose output is
// implementation-defined).
#pragma once

#include <cstdint>
#include <random>
#include <string_view>

namespace deliveryd::sim {

class rng {
  public:
    explicit rng(std::uint64_t seed) : engine_(seed) {}

    std::uint64_t next() { return engine_(); }

    // Uniform in [lo, hi] (tiny modulo bias is irrelevant here).
    std::int64_t between(std::int64_t lo, std::int64_t hi) {
        auto span = static_cast<std::uint64_t>(hi - lo) + 1U;
        return lo + static_cast<std::int64_t>(next() % span);
    }

    // Uniform in [0, 1).
    double unit() { return static_cast<double>(next() >> 11U) * 0x1.0p-53; }

    bool chance(double p) { return unit() < p; }

    template <typename Container>
    const auto& pick(const Container& c) {
        return c[static_cast<std::size_t>(between(0, static_cast<std::int64_t>(c.size()) - 1))];
    }

  private:
    std::mt19937_64 engine_;
};

// splitmix64 finaliser: a stateless hash for decisions that must not depend on
// the order in which things happen (e.g. which callbacks are dropped).
constexpr std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31U);
}

constexpr std::uint64_t hash_string(std::string_view s, std::uint64_t seed) {
    std::uint64_t h = mix64(seed);
    for (char c : s) {
        h = mix64(h ^ static_cast<unsigned char>(c));
    }
    return h;
}

// A fraction in [0, 1) fixed by (seed, key, index).
constexpr double hash_unit(std::uint64_t seed, std::string_view key, std::uint64_t index) {
    return static_cast<double>(mix64(hash_string(key, seed) ^ index) >> 11U) * 0x1.0p-53;
}

}  // namespace deliveryd::sim
