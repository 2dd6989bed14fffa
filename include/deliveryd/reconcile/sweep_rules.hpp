// When and how a backlog is swept with a listing instead of one call per
// message: eSMS SMS with GetSmsSentData_V2 instead of GetSendStatus, eTelecom
// ZNS with ListMessages instead of GetMessage. Pure.
//
// A sweep starts when one group's due rows pass reconcile.sweep_above (an
// eSMS account's SMS and Viber rows of one TypeId; eTelecom ZNS of one OA).
// It claims the oldest of them (at most sweep_batch_rows) and lists the
// window around the creation times they span, padded by sweep_pad (a sender
// registers a message a moment after the provider created it, and clocks
// differ), page after page: GetSmsSentData_V2 by creation time; ListMessages
// by update time, from the first creation to now, since a message's update
// time is at or after its creation. Listing is worth it only while its pages
// take less time than asking each claimed id alone: past break_even_pages
// the sweep stops (GetSmsSentData_V2's first page says how many pages the
// window holds, so it stops there; ListMessages says not, so it stops when
// it gets there). Whatever the listing lacks (a message the window missed,
// a time-zone slip, a sweep given up, a page refused) is asked one id at a
// time at once, so no message is lost to a sweep, only sooner told.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
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
// A page without an answer (a timeout, a 5xx, over the limit) is asked
// again until its listing has failed this many times in a row; then its
// rows are asked one id at a time. One lost page must not send a sweep of
// thousands back to one call per message.
inline constexpr int listing_page_attempts = 3;

struct SweepChoice {
    std::string group;  // as store::SweepBacklog names it
    std::size_t due_rows = 0;
};

// The groups with more than `sweep_above` due rows, the largest backlog
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
