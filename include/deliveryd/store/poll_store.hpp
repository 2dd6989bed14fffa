// The scheduler's side of delivery_state: claiming due rows under a lease,
// putting them back on the schedule after a poll, and measuring the backlog
// of due rows. Status fields are never written here: poll answers go through
// StatusStore::apply like callbacks, window closes through
// StatusStore::close_windows.
//
// Polling scopes: each eSMS account is one scope, eTelecom (one API key) is
// another. One replica at a time polls a scope (store/scope_locks.hpp), and
// each scope's claim is served by a partial index of its own unresolved rows
// (sql/002_poll_scopes.sql), so its cost follows the claim, not the table.
//
// Blocking; thread-safe (every call takes its own pooled connection).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "deliveryd/core/state.hpp"
#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/reschedule.hpp"

namespace deliveryd::store {

struct PollScope {
    enum class Kind : std::uint8_t { esms_account, etelecom };
    Kind kind = Kind::esms_account;
    std::string account;  // esms_account: the account name; etelecom: empty

    // "esms/<account>" or "etelecom": the advisory lock's name, log and metric label.
    [[nodiscard]] std::string name() const;

    friend auto operator<=>(const PollScope&, const PollScope&) = default;
};

// Within an eSMS scope, rows are claimed in two lanes (sql/002_poll_scopes.sql)
// so that one endpoint's backlog never starves the other's: ZNS accepted by
// Zalo (state sent with a partner id) wait only for GetZaloMessageStatus;
// every other row for GetCallback or GetSendStatus. eTelecom has one lane.
enum class ClaimLane : std::uint8_t {
    lookup,         // GetCallback, GetSendStatus, eTelecom GetMessage
    zalo_delivery,  // GetZaloMessageStatus (eSMS scopes only)
};

// The claim lanes of a scope: both for an eSMS account, lookup for eTelecom.
[[nodiscard]] std::vector<ClaimLane> lanes_of(const PollScope& scope);

struct Backlog {
    std::size_t due_rows = 0;  // unresolved rows with next_poll_at <= now (capped, see due_backlog)
    std::optional<core::Timestamp> oldest_due;  // the smallest next_poll_at among them
};

// Due rows a sweep could list, of one group (sweep_backlog): for an eSMS
// account, SMS and Viber rows of one TypeId (the group is the TypeId as
// text); for eTelecom, ZNS rows of one OA (the group is the OA id).
struct SweepBacklog {
    std::string group;
    std::size_t due_rows = 0;
};

// A span of creation times of one group a sweep listed a moment ago: its
// rows are left out of the next sweeps, since what the listing lacked is
// for the source that asks one id at a time now.
struct SweptWindow {
    std::string group;
    core::Timestamp from;
    core::Timestamp to;
};

// A row claimed for a sweep: what its next poll is computed from.
struct SweptRow {
    std::string sms_id;
    core::Timestamp window_start;  // as claim_due's submitted_at
    int poll_attempts = 0;
};

// Rows claimed for a sweep (claim_for_sweep), with the span of their
// creation times (submitted_at as the sender registered it).
struct SweepRows {
    std::vector<SweptRow> rows;
    core::Timestamp first_created;
    core::Timestamp last_created;
};

// Which rows a claim may take ahead of their schedule (claim_early): rows
// submitted within max_age last claimed (polled_at, or submitted if never)
// at least gap(age) ago, gap(age) = age x age_share kept within [min_gap,
// max_gap]. The values are reconcile's (early_polls.hpp).
struct EarlyClaim {
    std::chrono::milliseconds min_gap{0};
    std::chrono::milliseconds max_gap{0};
    double age_share = 0;
    std::chrono::milliseconds max_age{0};
};

// A row claimed ahead of its schedule, and the next poll it had: its answer
// puts it back there (an early question does not move the backoff).
struct EarlyRow {
    core::State row;  // submitted_at: where its polling window starts, as claim_due gives it
    core::Timestamp due_at;
};

struct KeyActivity {
    std::string account;
    std::string endpoint;
    double rate_limit = 0;  // calls per second the provider allows
    double utilisation = 0;
    std::size_t queued_calls = 0;
};

class PollStore {
  public:
    explicit PollStore(ConnectionPool& pool) : pool_(pool) {}

    // Up to `limit` unresolved rows of `scope` (and `lane`) with next_poll_at <= now(),
    // oldest due first, skipping rows another transaction holds locked
    // (FOR UPDATE SKIP LOCKED). Each claimed row's next_poll_at moves to
    // now() + lease in the same statement: that is the lease. Rows come back
    // as they are after that update, except that `submitted_at` holds where
    // the row's polling window starts: requeued_at for a row an operator
    // requeued (deliveryd requeue), else scheduled_at when the sender set
    // it later than submitted_at, else submitted_at.
    [[nodiscard]] std::vector<core::State> claim_due(const PollScope& scope, std::size_t limit,
                                                     std::chrono::milliseconds lease,
                                                     ClaimLane lane = ClaimLane::lookup);

    // Up to `limit` rows of `scope` and `lane` that are not due yet but may
    // be asked early (EarlyClaim), those longest past their gap (relative to
    // it) first, skipping locked rows, under a lease as claim_due's. Served
    // by the unresolved rows' index on submitted_at (max_age bounds the
    // scan). Every claim (this one, claim_due, claim_for_sweep) sets the
    // rows' polled_at to now.
    [[nodiscard]] std::vector<EarlyRow> claim_early(const PollScope& scope, std::size_t limit,
                                                    std::chrono::milliseconds lease, ClaimLane lane,
                                                    const EarlyClaim& rule);

    // Writes next_poll_at (NULL for rows that are final by now) and counts
    // answered polls, locking the rows in key order. Rows that no longer
    // exist are skipped.
    void reschedule(std::span<const Reschedule> rows);

    // Lease given back: these rows are due again now (rows that are final by
    // now are left alone). For work claimed but not sent at shutdown.
    void release(std::span<const std::string> sms_ids);

    // Due rows of `scope` that a listing can sweep, per group (SweepBacklog),
    // outside `recent`, counted up to `count_cap` rows in all. eSMS: SMS and
    // Viber rows (no OA id, a TypeId outside the ZNS types 24-27; rows
    // without a TypeId cannot be listed and are not counted). eTelecom: rows
    // with an OA id whose msg_id, if known, is their sms_id (a listing finds
    // a message by its msg_id or tracking_id; a row known by another key is
    // left to GetMessage).
    [[nodiscard]] std::vector<SweepBacklog> sweep_backlog(const PollScope& scope,
                                                          std::span<const SweptWindow> recent,
                                                          std::size_t count_cap);

    // Claims up to `limit` of those rows of one group, oldest created first,
    // as claim_due claims (a lease), returning only what a sweep needs.
    [[nodiscard]] SweepRows claim_for_sweep(const PollScope& scope, const std::string& group,
                                            std::span<const SweptWindow> recent, std::size_t limit,
                                            std::chrono::milliseconds lease);

    // Which of `sms_ids` have an unresolved row of `provider`: the messages
    // a listing reported unasked whose reports are worth merging.
    [[nodiscard]] std::vector<std::string> unresolved_among(std::span<const std::string> sms_ids,
                                                            core::Provider provider);

    // Due rows of the scope (every lane), counted up to `count_cap` (an index-only count
    // that stops there, so a huge backlog costs a bounded read).
    [[nodiscard]] Backlog due_backlog(const PollScope& scope, std::size_t count_cap = 1'000'000);

    // What the replica polling `scope` is doing, one row per (account,
    // endpoint) in deliveryd_poll_activity, for `deliveryd status`.
    void record_activity(const PollScope& scope, const std::string& replica, std::size_t due_rows,
                         std::span<const KeyActivity> keys);

  private:
    ConnectionPool& pool_;
};

}  // namespace deliveryd::store
