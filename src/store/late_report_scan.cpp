#include "deliveryd/store/late_report_scan.hpp"

#include <algorithm>

namespace deliveryd::store {

LateReportMark next_late_report_mark(const LateReportMark& mark, std::int64_t newest_id,
                                     ScanClock::time_point now, std::chrono::seconds overlap) {
    LateReportMark next = mark;
    if (next.pending_id && next.pending_at && *next.pending_at <= now - overlap) {
        next.checked_through = std::max(next.checked_through, *next.pending_id);
        next.pending_id.reset();
        next.pending_at.reset();
    }
    // A new pending id only once the last one is promoted: each stays
    // `overlap` in waiting, so checked_through advances once per overlap
    // however often the search runs.
    if (!next.pending_id && newest_id > next.checked_through) {
        next.pending_id = newest_id;
        next.pending_at = now;
    }
    return next;
}

}  // namespace deliveryd::store
