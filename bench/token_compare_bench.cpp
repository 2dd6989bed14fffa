// The callback token comparison, run many times on one kind of wrong token
// (or the right one), for bench/token_compare.sh to count instructions with
// callgrind: the count must not depend on where the given token differs.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "deliveryd/http/callback_route.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fputs("usage: bench_token_compare first|middle|last|equal|shorter\n", stderr);
        return 2;
    }
    const std::string expected(64, 'k');
    std::string given = expected;
    const std::string where = argv[1];
    if (where == "first") {
        given.front() = 'x';
    } else if (where == "middle") {
        given[32] = 'x';
    } else if (where == "last") {
        given.back() = 'x';
    } else if (where == "shorter") {
        given.resize(8);
    } else if (where != "equal") {
        return 2;
    }
    int matches = 0;
    for (int i = 0; i < 100'000; ++i) {
        // volatile: the compiler must not hoist the call out of the loop.
        const std::string* volatile g = &given;
        matches += deliveryd::http::constant_time_equal(expected, *g) ? 1 : 0;
    }
    std::printf("%d\n", matches);
    return 0;
}
