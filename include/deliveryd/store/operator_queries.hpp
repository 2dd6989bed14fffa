// What the operator's commands (deliveryd status, requeue, import,
// retention) read and change in the database. Each call takes its own
// connection and transaction(s); blocking.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "deliveryd/core/state.hpp"
#include "deliveryd/store/connection_pool.hpp"

namespace deliveryd::store {

// ---- deliveryd status

struct StateCount {
    std::string state;
    std::int64_t messages = 0;
    std::int64_t final_messages = 0;
};

struct AgeBucket {
    std::string label;  // e.g. "1h-6h"
    std::int64_t unresolved = 0;
    std::int64_t due = 0;  // of those, due for a poll now
};

struct ScopeHolder {
    std::string scope;                  // esms/<account> or etelecom
    std::optional<std::string> holder;  // who holds its advisory lock: client address and
                                        // application name; nullopt when nobody polls it
    std::optional<std::string> held_since;
};

struct KeyActivityRow {
    std::string account;
    std::string endpoint;
    std::string scope;
    std::string replica;
    double rate_limit = 0;
    double utilisation = 0;
    std::int64_t queued_calls = 0;
    std::optional<std::int64_t> due_rows;
    double age_seconds = 0;  // since the replica last wrote it
};

struct StatusReport {
    std::vector<StateCount> states;
    // Set when `states` are estimates (a table of millions of rows): when
    // the statistics they come from were gathered. Unresolved rows are
    // counted exactly all the same.
    std::optional<std::string> states_estimated_from;
    std::vector<AgeBucket> unresolved_by_age;
    std::optional<std::string> oldest_unresolved_age;  // e.g. "2 days 03:04:05"
    std::vector<ScopeHolder> scopes;
    std::vector<KeyActivityRow> activity;
};

// Up to this many rows (the planner's estimate) every row is counted, a full
// scan of about a second per few million rows; above it the counts by state
// come from the statistics ANALYZE keeps (StatusReport::states_estimated_from).
constexpr double exact_state_count_limit = 2'000'000;

// `scopes`: the polling scopes the configuration knows (others found in
// deliveryd_poll_activity are added).
[[nodiscard]] StatusReport read_status(ConnectionPool& pool, std::span<const std::string> scopes,
                                       double exact_count_limit = exact_state_count_limit);

// ---- deliveryd requeue

struct RequeueSelection {
    std::vector<std::string> states;                 // any of these; empty: any state
    std::optional<std::chrono::milliseconds> since;  // updated within this long
    std::optional<std::string> account;              // only this account
    std::vector<std::string> sms_ids;                // only these; empty: any
};

// Makes the selected rows due for polling now, with their polling window and
// backoff starting over (requeued_at = now). Without `states`, only rows
// that are unresolved or `expired` are chosen: a row with a final answer is
// requeued only when its state is named. A chosen final row becomes
// unresolved again (an `expired` one goes back to `submitted`) until the
// next report or window end makes it final once more. Works through the selection in
// chunks, each its own transaction, so it never holds many rows locked.
// Returns the rows changed, or with dry_run the rows that would be.
// How many rows a long operator command has done so far, called after each
// chunk it commits or reads (for a progress line).
using Progress = std::function<void(std::int64_t rows_done)>;

[[nodiscard]] std::int64_t requeue(ConnectionPool& pool, const RequeueSelection& selection,
                                   bool dry_run, const Progress& progress = {});

// ---- deliveryd import

// A sent message as a sender registers it (the INSERT into delivery_state that
// README.md shows); unset fields take the column defaults.
struct RegisteredMessage {
    std::string sms_id;
    std::optional<std::string> provider;
    std::optional<std::string> account;
    std::optional<int> type_id;
    std::optional<std::string> oa_id;
    std::optional<std::string> phone;
    std::optional<std::string> request_id;
    std::optional<std::string> template_id;
    std::optional<core::Timestamp> submitted_at;
    std::optional<core::Timestamp> scheduled_at;  // sent later (eSMS SendDate)
};

struct ImportResult {
    std::size_t inserted = 0;
    std::size_t already_present = 0;  // rows that existed (or repeated in the input)
};

// Inserts the messages that have no row yet, like a sender's INSERT ... ON
// CONFLICT (sms_id) DO NOTHING, in sms_id order, 5,000 rows per transaction
// (so no row stays locked for long). Idempotent: after a failure part way,
// running it again completes it.
[[nodiscard]] ImportResult import_messages(ConnectionPool& pool,
                                           std::span<const RegisteredMessage> messages);

// ---- deliveryd retention

struct MonthPartition {
    std::string name;   // <table>_YYYY_MM
    std::string month;  // YYYY-MM (UTC)
};

struct RetentionResult {
    std::vector<MonthPartition> dropped;    // (or, with dry_run, to be dropped)
    std::int64_t default_rows_deleted = 0;  // old rows of delivery_event_default
};

// Drops every monthly partition of delivery_event whose whole month ended
// before `cutoff` ago, one DROP each (a lock of the parent for a moment:
// waits at most lock_timeout for it), and deletes rows older than that from
// the default partition. Partitions that still hold newer rows are kept.
[[nodiscard]] RetentionResult drop_old_events(ConnectionPool& pool,
                                              std::chrono::milliseconds older_than, bool dry_run);

// Drops every monthly partition of delivery_state_archive whose month (of
// final_at) ended before `older_than` ago, as drop_old_events does.
[[nodiscard]] std::vector<MonthPartition> drop_old_archive(ConnectionPool& pool,
                                                           std::chrono::milliseconds older_than,
                                                           bool dry_run);

// ---- deliveryd erase

// Whose personal data to erase: a phone number or a Zalo user id, in every
// form it may be written in (core::phone_forms), longest first.
struct ErasedPerson {
    enum class Key : std::uint8_t { phone, zalo_user_id };
    Key key = Key::phone;
    std::vector<std::string> forms;
    // Further forms that appear only inside raw payloads (a '+' URL-encoded
    // in a callback's query string), longest first.
    std::vector<std::string> payload_forms{};
};

struct EraseResult {
    std::int64_t messages = 0;  // delivery_state rows whose column held the number or id
    std::int64_t reports = 0;   // delivery_event rows that held it (column or raw payload)
};

// Removes the person's number or id from delivery_state (the column set to
// NULL) and from delivery_event (the column set to NULL, every form of it in
// raw_payload replaced by "[erased]": the reports of the messages found, and
// any report whose column held it), in one transaction. Finds a phone's
// rows of delivery_state through delivery_state_phone_tail; scans
// delivery_state for a Zalo id, and delivery_event's column once either
// way (neither has an index). With dry_run, counts only. A report that
// arrives later with the number stores it again.
[[nodiscard]] EraseResult erase_person(ConnectionPool& pool, const ErasedPerson& person,
                                       bool dry_run);

// ---- deliveryd rebuild

struct RebuildDifference {
    std::string sms_id;
    std::vector<std::string> columns;  // the columns whose stored value differs
};

struct RebuildReport {
    std::int64_t rows_checked = 0;
    // Rows submitted before the oldest month delivery_event still holds
    // (retention dropped their reports), so they cannot be recomputed.
    std::int64_t rows_skipped = 0;
    // Rows an operator requeued that are unresolved again: they keep their
    // old answer without its finality until the next report, on purpose.
    std::int64_t rows_requeued = 0;
    std::int64_t rows_differing = 0;
    // With RebuildMode::apply: the differing rows written back. Fewer than
    // rows_differing when a report arrived in between and its merge already
    // gave the row what its reports say.
    std::int64_t rows_rewritten = 0;
    std::vector<RebuildDifference> differences;  // the first `max_listed`
};

enum class RebuildMode { report, apply };

// Recomputes rows from delivery_event with core::merge (and the window close
// the row records) and compares them with what is stored. One row with
// `sms_id`, else every row. RebuildMode::report changes nothing and reads in
// one consistent snapshot; RebuildMode::apply also writes each differing row
// back as its reports merge to, through the write path the daemon uses
// (the row locked, its reports read again, next_poll_at kept or set for a
// row unresolved again), a chunk of rows per transaction.
[[nodiscard]] RebuildReport rebuild_rows(ConnectionPool& pool,
                                         const std::optional<std::string>& sms_id,
                                         RebuildMode mode = RebuildMode::report,
                                         std::size_t max_listed = 100,
                                         const Progress& progress = {});

}  // namespace deliveryd::store
