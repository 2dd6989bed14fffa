// Whether StatusStore inserts a batch of ids it expects to be new plainly,
// failing whole if one exists, or with ON CONFLICT DO NOTHING, which costs
// the server more per row but never fails. Pure and thread-safe (an
// estimate: concurrent batches may lose an update).
#pragma once

#include <atomic>

namespace deliveryd::store {

class InsertOptimism {
  public:
    // The longest run of all-new batches ever asked for before a plain
    // insert is tried again.
    static constexpr int max_run = 1024;

    // Whether the next batch expected to be new is inserted plainly: only
    // after `run_needed()` batches in a row in which every id was new.
    [[nodiscard]] bool plain() const {
        return run_.load(std::memory_order_relaxed) >= needed_.load(std::memory_order_relaxed);
    }

    // Every id of a batch expected to be new was new.
    void all_new() {
        if (run_.load(std::memory_order_relaxed) < max_run) {
            run_.fetch_add(1, std::memory_order_relaxed);
        }
    }

    // An id of such a batch existed, found without loss (ON CONFLICT).
    void some_existed() { run_.store(0, std::memory_order_relaxed); }

    // A plain insert failed on an existing id, and its work was thrown
    // away: the run asked for before the next try doubles, so however new
    // and existing ids mix, at most one batch in `run_needed()` is written
    // twice.
    void plain_failed() {
        run_.store(0, std::memory_order_relaxed);
        const int needed = needed_.load(std::memory_order_relaxed);
        needed_.store(needed >= max_run / 2 ? max_run : needed * 2, std::memory_order_relaxed);
    }

    [[nodiscard]] int run_needed() const { return needed_.load(std::memory_order_relaxed); }

  private:
    std::atomic<int> run_{0};
    std::atomic<int> needed_{8};
};

}  // namespace deliveryd::store
