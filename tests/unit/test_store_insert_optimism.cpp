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

// How many plain inserts fail over `batches` batches, when batch i holds an
// id that exists exactly when has_existing(i).
template <class HasExisting>
int failed_plain_inserts(int batches, HasExisting has_existing) {
    InsertOptimism optimism;
    int failed = 0;
    for (int i = 0; i < batches; ++i) {
        if (!has_existing(i)) {
            optimism.all_new();
        } else if (optimism.plain()) {
            optimism.plain_failed();
            ++failed;
        } else {
            optimism.some_existed();
        }
    }
    return failed;
}

// However new and existing ids mix, few batches are thrown away.
TEST(InsertOptimism, MixedBatchesThrowAwayFewBatches) {
    EXPECT_EQ(failed_plain_inserts(100'000, [](int i) { return i % 2 == 1; }), 0)
        << "with every second batch holding an existing id, a run never forms";
    EXPECT_LE(failed_plain_inserts(100'000, [](int i) { return i % 201 == 200; }), 5)
        << "with runs of 200 all-new batches, the run asked for outgrows them";
}

}  // namespace
}  // namespace deliveryd::store
