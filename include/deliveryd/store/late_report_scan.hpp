// Where the archive pass's search for late reports starts: the pure rule,
// shared by every replica through one row of deliveryd_archive_progress.
//
// A report about an archived message is found through delivery_event's ids.
// An id is handed out when the report's transaction writes it, not when that
// transaction commits, so a lower id than the highest one seen can still
// appear later. Each search therefore starts after the highest id that was
// seen at least `overlap` ago: a report is looked for by every search in the
// `overlap` after its write, and is missed only if its transaction took
// longer than that to commit, which the caller's timeouts must rule out.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace deliveryd::store {

using ScanClock = std::chrono::system_clock;

struct LateReportMark {
    // Every event id up to this one was searched after it committed.
    std::int64_t checked_through = 0;
    // The highest id a search saw, and when: it becomes checked_through
    // once `overlap` has passed.
    std::optional<std::int64_t> pending_id;
    std::optional<ScanClock::time_point> pending_at;

    bool operator==(const LateReportMark&) const = default;
};

// The mark after a search at `now` that saw event ids up to `newest_id`.
// The search itself reads ids above the returned checked_through.
[[nodiscard]] LateReportMark next_late_report_mark(const LateReportMark& mark,
                                                   std::int64_t newest_id,
                                                   ScanClock::time_point now,
                                                   std::chrono::seconds overlap);

}  // namespace deliveryd::store
