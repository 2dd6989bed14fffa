// When and how an SMS backlog is swept with eSMS's GetSmsSentData_V2
// listings instead of one GetSendStatus call per message. Pure.
//
// A sweep starts when one account's due SMS or Viber rows of one TypeId pass
// reconcile.sweep_above. It claims the oldest of them (at most
// sweep_batch_rows) and lists the creation-time window they span, padded by
// sweep_pad on both sides (a sender registers a message a moment after eSMS
// created it, and clocks differ), page after page. Listing is worth it only
// while its pages take less time than asking each claimed id alone: the
// first page's CountTotal says how many pages the window holds, and past
// break_even_pages the sweep stops there. Whatever the listing lacks (a
// message the window missed, a time-zone slip, a sweep given up) is asked of
// GetSendStatus at once, so no message is lost to a sweep, only sooner told.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "deliveryd/store/poll_store.hpp"

namespace deliveryd::reconcile {

inline constexpr std::size_t sweep_batch_rows = 200'000;
inline constexpr std::chrono::minutes sweep_pad{10};
// A window just swept is not swept again for this long.
inline constexpr std::chrono::minutes sweep_cooldown{30};
// The most pages one sweep walks (20 minutes at one call a second): bounds
// the lease its rows are claimed under.
inline constexpr std::size_t sweep_max_pages = 1'200;

struct SweepChoice {
    int type_id = 0;
    std::size_t due_rows = 0;
};

// The TypeIds with more than `sweep_above` due rows, the largest backlog
// first: each is swept at once, before its rows are asked one by one.
[[nodiscard]] std::vector<SweepChoice> choose_sweeps(std::span<const store::SweepBacklog> backlog,
                                                     std::size_t sweep_above);

// Pages past which listing `rows` ids takes longer than asking each alone:
// pages / listing_rate < rows / per_id_rate. Without a per-id source (its
// rate turned off) there is no alternative: sweep_max_pages. At least 1, at
// most sweep_max_pages.
[[nodiscard]] std::size_t break_even_pages(std::size_t rows, double listing_rate,
                                           std::optional<double> per_id_rate);

// How long the swept rows stay claimed: the longest walk (max_pages at the
// listing's rate) plus the ordinary lease.
[[nodiscard]] std::chrono::milliseconds sweep_lease(std::size_t max_pages, double listing_rate,
                                                    std::chrono::milliseconds lease);

}  // namespace deliveryd::reconcile
