// InsertOptimism: when a batch of new ids is inserted without ON CONFLICT.
#include <algorithm>

#include <gtest/gtest.h>

#include "deliveryd/store/insert_optimism.hpp"

namespace deliveryd::store {
namespace {

TEST(InsertOptimism, APlainInsertWaitsForARunOfBatchesOfNewIds) {
    InsertOptimism optimism;
    const int needed = optimism.run_needed();
    ASSERT_GT(needed, 1);
    for (int i = 0; i < needed; ++i) {
        EXPECT_FALSE(optimism.plain()) << "after " << i << " all-new batches";
        optimism.all_new();
    }
    EXPECT_TRUE(optimism.plain());
    optimism.all_new();
    EXPECT_TRUE(optimism.plain());
}

TEST(InsertOptimism, AnExistingIdFoundWithoutLossStartsTheRunAgain) {
    InsertOptimism optimism;
    for (int i = 0; i < optimism.run_needed() - 1; ++i) {
        optimism.all_new();
    }
    optimism.some_existed();
    optimism.all_new();
    EXPECT_FALSE(optimism.plain());
    EXPECT_EQ(optimism.run_needed(), InsertOptimism{}.run_needed()) << "nothing was lost";
}

TEST(InsertOptimism, EachFailedPlainInsertDoublesTheRunUpToABound) {
    InsertOptimism optimism;
    int needed = optimism.run_needed();
    while (needed < InsertOptimism::max_run) {
        for (int i = 0; i < needed; ++i) {
            optimism.all_new();
        }
        ASSERT_TRUE(optimism.plain());
        optimism.plain_failed();
        EXPECT_FALSE(optimism.plain());
        EXPECT_EQ(optimism.run_needed(), std::min(2 * needed, InsertOptimism::max_run));
        needed = optimism.run_needed();
    }
    optimism.plain_failed();
    EXPECT_EQ(optimism.run_needed(), InsertOptimism::max_run);
}

// However new and existing ids mix, at most about one batch in the run
// needed is thrown away: with every second batch holding an existing id,
// the failures die out.
TEST(InsertOptimism, MixedBatchesThrowAwayFewBatches) {
    InsertOptimism optimism;
    int failed = 0;
    constexpr int batches = 100'000;
    for (int i = 0; i < batches; ++i) {
        const bool has_existing = i % 2 == 1;
        if (optimism.plain() && has_existing) {
            optimism.plain_failed();
            ++failed;
        } else if (has_existing) {
            optimism.some_existed();
        } else {
            optimism.all_new();
        }
    }
    EXPECT_EQ(failed, 0) << "a run of all-new batches never forms";

    // Runs of 200 all-new batches between batches with an existing id.
    InsertOptimism bursty;
    failed = 0;
    for (int i = 0; i < batches; ++i) {
        const bool has_existing = i % 201 == 200;
        if (bursty.plain() && has_existing) {
            bursty.plain_failed();
            ++failed;
        } else if (has_existing) {
            bursty.some_existed();
        } else {
            bursty.all_new();
        }
    }
    EXPECT_LE(failed, 5) << "the run asked for outgrows the bursts";
}

}  // namespace
}  // namespace deliveryd::store
