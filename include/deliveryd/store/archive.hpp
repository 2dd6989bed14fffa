// Keeping delivery_state as large as its recent traffic: rows final for
// longer than archive.after move to delivery_state_archive (monthly
// partitions), and a message whose late report created a fresh row is put
// back together from its archived row and that fresh one. The SQL side (the
// mover, the partitions, delivery_state_all) is migration 009. Blocking;
// each call takes its own connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/late_report_scan.hpp"

namespace deliveryd::store {

// Moves up to `batch` rows final for longer than `final_for` (and submitted
// on an earlier day) to the archive, in one short transaction; the number
// moved. Rows a writer holds are skipped, never waited for.
[[nodiscard]] std::int64_t archive_batch(ConnectionPool& pool, std::chrono::milliseconds final_for,
                                         int batch);

struct LateReportPass {
    std::int64_t events_searched_from = 0;  // the search read event ids above this
    std::int64_t restored = 0;              // messages put back together
};

// Searches the reports stored since the last search (LateReportMark) for
// rows they created whose message is archived, and puts each back together:
// the archived row returns to delivery_state in place of the fresh row, with
// the fresh row joined into it (core::join), all in one transaction per
// batch. The message is one row again; being final and old, it returns to
// the archive on a later pass. nullopt when another replica is searching.
[[nodiscard]] std::optional<LateReportPass> restore_late_reports(ConnectionPool& pool,
                                                                 std::chrono::seconds overlap);

// Puts the messages `ids` back together now, whether or not a search found
// them; the number restored. What restore_late_reports does for each batch.
[[nodiscard]] std::int64_t restore_archived(ConnectionPool& pool, std::vector<std::string> ids);

struct ArchivePartition {
    std::string name;
    std::string month;  // YYYY-MM (UTC) of final_at
    std::int64_t rows_estimate = 0;
};

struct ArchiveSummary {
    std::vector<ArchivePartition> partitions;  // oldest first
    std::int64_t rows_archived = 0;            // moved there in all, by every replica
    std::int64_t rows_restored = 0;            // moved back for a late report
    std::optional<std::string> last_archived_at;
};

[[nodiscard]] ArchiveSummary read_archive_summary(ConnectionPool& pool);

}  // namespace deliveryd::store
