#include <algorithm>
#include <cstddef>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/store/scope_share.hpp"

namespace deliveryd::store {
namespace {

TEST(FairShare, RoundsUpAndTakesEverythingAlone) {
    EXPECT_EQ(fair_share(30, 3), 10u);
    EXPECT_EQ(fair_share(31, 3), 11u);
    EXPECT_EQ(fair_share(2, 3), 1u);
    EXPECT_EQ(fair_share(30, 1), 30u);
    EXPECT_EQ(fair_share(30, 0), 30u);
    EXPECT_EQ(fair_share(0, 4), 0u);
}

TEST(ShareMove, ATakesUpToItsShareOfWhatIsFree) {
    const auto move =
        share_move({.scopes = 30, .replicas = 3, .held = 4, .fewest_held = 0, .free = 20});
    EXPECT_EQ(move.take, 6u);
    EXPECT_EQ(move.release, 0u);
    EXPECT_EQ(
        share_move({.scopes = 30, .replicas = 3, .held = 4, .fewest_held = 0, .free = 2}).take, 2u);
}

TEST(ShareMove, TheFirstReplicaGivesUpAllButItsShareWhenOthersJoin) {
    const auto move =
        share_move({.scopes = 30, .replicas = 3, .held = 30, .fewest_held = 0, .free = 0});
    EXPECT_EQ(move.take, 0u);
    EXPECT_EQ(move.release, 20u);
}

TEST(ShareMove, WhileOneHoldsTooFewOthersTakeOnlyUpToTheShareRoundedDown) {
    // 10 among 3 after a fourth died: 2, 2, 2 and 4 free.
    EXPECT_EQ(
        share_move({.scopes = 10, .replicas = 3, .held = 2, .fewest_held = 2, .free = 4}).take, 1u);
    EXPECT_EQ(
        share_move({.scopes = 10, .replicas = 3, .held = 3, .fewest_held = 2, .free = 2}).take, 0u);
    EXPECT_EQ(
        share_move({.scopes = 10, .replicas = 3, .held = 3, .fewest_held = 3, .free = 1}).take, 1u);
}

TEST(ShareMove, AFewScopesAmongMoreReplicasEndOneApart) {
    // 4 scopes among 3: the first gives up all but one, the next takes two.
    EXPECT_EQ(share_move({.scopes = 4, .replicas = 3, .held = 4, .fewest_held = 0}).release, 3u);
    EXPECT_EQ(share_move({.scopes = 4, .replicas = 3, .held = 2, .fewest_held = 0}).release, 1u);
    EXPECT_EQ(share_move({.scopes = 4, .replicas = 3, .held = 2, .fewest_held = 1}).release, 0u);
}

TEST(ShareMove, OneOverItsShareIsKeptWhenNoReplicaIsTwoBelow) {
    // 31 scopes among 3: 11, 10, 10 is as even as it gets.
    EXPECT_EQ(share_move({.scopes = 31, .replicas = 3, .held = 11, .fewest_held = 10}).release, 0u);
    // Held beyond the share (a scope nobody else took), others within one.
    EXPECT_EQ(share_move({.scopes = 30, .replicas = 3, .held = 11, .fewest_held = 10}).release, 0u);
    EXPECT_EQ(share_move({.scopes = 30, .replicas = 3, .held = 11, .fewest_held = 9}).release, 1u);
}

TEST(ShareMove, NeverGivesUpBelowTheShareNorBelowTheFewestPlusOne) {
    EXPECT_EQ(share_move({.scopes = 30, .replicas = 3, .held = 12, .fewest_held = 6}).release, 2u);
    EXPECT_EQ(share_move({.scopes = 30, .replicas = 3, .held = 14, .fewest_held = 11}).release, 2u);
    EXPECT_EQ(share_move({.scopes = 30, .replicas = 3, .held = 10, .fewest_held = 0}).release, 0u);
}

// Replicas following share_move, scopes moving only through the free pool,
// end within one scope of each other with none left free, from a first
// replica holding everything or from a share just left by a dead replica.
// `together`: every replica decides on the same census (as replicas ticking
// at the same moment do), releases land, then the takers race in turn.
void expect_settles(std::vector<std::size_t> held, std::size_t free, bool together) {
    const auto replicas = held.size();
    const auto scopes = std::accumulate(held.begin(), held.end(), free);
    for (int round = 0; round < 50; ++round) {
        const auto fewest = *std::min_element(held.begin(), held.end());
        std::vector<ShareMove> moves(replicas);
        for (std::size_t r = 0; r < replicas; ++r) {
            moves[r] = share_move(
                {.scopes = scopes,
                 .replicas = replicas,
                 .held = held[r],
                 .fewest_held = together ? fewest : *std::min_element(held.begin(), held.end()),
                 .free = free});
            if (!together) {
                held[r] += moves[r].take;
                free -= moves[r].take;
                held[r] -= moves[r].release;
                free += moves[r].release;
            }
        }
        if (together) {
            for (std::size_t r = 0; r < replicas; ++r) {
                held[r] -= moves[r].release;
            }
            for (std::size_t r = 0; r < replicas; ++r) {
                const auto got = std::min(moves[r].take, free);  // a try finds it taken
                held[r] += got;
                free -= got;
            }
            for (std::size_t r = 0; r < replicas; ++r) {
                free += moves[r].release;
            }
        }
    }
    const auto [low, high] = std::minmax_element(held.begin(), held.end());
    EXPECT_EQ(free, 0u) << scopes << " scopes, " << replicas << " replicas: some left free";
    EXPECT_LE(*high - *low, 1u) << scopes << " scopes, " << replicas << " replicas";
}

TEST(ShareMove, ReplicasSettleWithinOneOfEachOther) {
    for (const bool together : {false, true}) {
        for (std::size_t replicas = 1; replicas <= 7; ++replicas) {
            for (std::size_t scopes = 0; scopes <= 40; ++scopes) {
                std::vector<std::size_t> first_alone(replicas, 0);
                first_alone[0] = scopes;
                expect_settles(first_alone, 0, together);
                // A replica died: its share is free, the others are even.
                std::vector<std::size_t> survivors(replicas, scopes / (replicas + 1));
                expect_settles(survivors, scopes - survivors.size() * (scopes / (replicas + 1)),
                               together);
            }
        }
    }
}

}  // namespace
}  // namespace deliveryd::store
