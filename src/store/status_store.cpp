#include "deliveryd/store/status_store.hpp"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <stdexcept>
#include <string_view>

#include <pqxx/pqxx>

#include "deliveryd/store/errors.hpp"

#include "store/batch_merge.hpp"
#include "store/libpq_exec.hpp"
#include "store/merged_write.hpp"
#include "store/pg_binary_array.hpp"
#include "store/pg_connection.hpp"
#include "store/reschedule_rows.hpp"
#include "store/state_rows.hpp"
#include "store/statements.hpp"

namespace deliveryd::store {
namespace {

pqxx::binarystring id_array(const std::set<std::string_view>& ids) {
    BinaryArray array(PgType::text);
    for (const auto id : ids) {
        array.add(id);
    }
    return array.finish();
}

using Versions = std::map<std::string, std::int64_t, std::less<>>;

// The parameters of statements::write_batch but the events: the rows to
// insert, then the rows to update with the version each was read at (each in
// key order).
BinaryParams write_batch_params(const MergedBatch& merged, const Versions& versions) {
    std::vector<const core::State*> rows;
    BinaryArray read_at(PgType::int8);
    rows.reserve(merged.created.size() + merged.changed.size());
    for (const auto& [id, row] : merged.created) {
        rows.push_back(&row);
        read_at.add_null();
    }
    for (const auto& [id, row] : merged.changed) {
        rows.push_back(&row);
        read_at.add(versions.find(id)->second);
    }
    auto params = write_rows_params(rows);
    params.push_back(read_at.take());
    return params;
}

}  // namespace

std::optional<ApplyResult> read_merge_write(PgConnection& c, pqxx::transaction_base& tx,
                                            const char* read_statement,
                                            const pqxx::binarystring& ids, const Fold& fold,
                                            const BinaryParams& events) {
    RowsById existing;
    Versions versions;
    for (const auto& row : tx.exec_prepared(read_statement, ids)) {
        auto state = read_state(row);
        versions.emplace(state.sms_id, row[row_version_column].as<std::int64_t>());
        auto id = state.sms_id;
        existing.emplace(std::move(id), std::move(state));
    }
    auto merged = fold(std::move(existing));
    const auto rows = write_batch_params(merged, versions);
    const auto written = exec_prepared(c, statements::write_batch, bytes_of({&rows, &events}));
    if (written.rows() != 1 || written.is_null(0, 0)) {
        throw DatabaseError("the batch's write did not say whether it wrote");
    }
    if (std::string_view(written.text(0, 0)) != "t") {
        return std::nullopt;
    }
    ApplyResult result;
    result.outcomes = std::move(merged.outcomes);
    result.labels = std::move(merged.labels);
    result.rows_written = merged.created.size() + merged.changed.size();
    result.entered = std::move(merged.entered);
    return result;
}

namespace {

// Then: more writes after the batch's, in its transaction, to rows it locked
// or created only (the statements it runs must lock nothing else).
using Then = std::function<void(pqxx::transaction_base& tx)>;

// Reads the rows of `ids`, folds them with `fold` and writes the result,
// starting over while rows change under it (see StatusStore::apply). With
// `then`, every round locks what it reads: the first round's write commits
// by itself, so nothing could follow it in its transaction.
ApplyResult write_merged(ConnectionPool& pool, const std::set<std::string_view>& ids,
                         const Fold& fold, const BinaryParams& events, const Then& then = {}) {
    ApplyResult result;
    const auto ids_param = id_array(ids);

    // The first round reads without locks, and fails if a row it changed
    // was changed by someone else before it wrote. Later rounds lock what
    // they read, so only one of their new ids being created meanwhile can
    // fail them, which each id can do once: a batch needs at most one round
    // per id more (unless rows are deleted under it).
    const auto max_rounds = ids.size() + 2;
    const std::size_t first_round = then ? 2 : 1;

    // Retried whole on a stale connection: every step is idempotent but the
    // event log, which would at worst hold a report twice.
    pool.with_pg_connection([&](PgConnection& c) {
        for (std::size_t round = first_round;; ++round) {
            try {
                if (round == 1) {
                    // Two round trips and no BEGIN or COMMIT: the read takes
                    // no locks, and the write is one statement, so one
                    // transaction, which commits before exec returns.
                    pqxx::nontransaction tx(c);
                    if (auto done = read_merge_write(c, tx, statements::read_rows, ids_param, fold,
                                                     events)) {
                        result = std::move(*done);
                        return;
                    }
                } else {
                    pqxx::work tx(c);
                    if (auto done = read_merge_write(c, tx, statements::lock_rows, ids_param, fold,
                                                     events)) {
                        if (then) {
                            then(tx);
                        }
                        tx.commit();
                        result = std::move(*done);
                        return;
                    }
                    tx.abort();
                }
            } catch (const pqxx::unique_violation&) {
                // A new id of the batch was created after the read: the
                // statement failed whole, and the next round finds that row.
            }
            if (round == max_rounds) {
                throw DatabaseUnavailable("rows of the batch kept changing while it was applied");
            }
        }
    });
    return result;
}

// Inserts every row and appends every report in one statement
// (statements::insert_rows), or writes nothing and returns false if an id
// of the batch exists.
bool insert_all(PgConnection& c, std::span<const std::string_view> params) {
    try {
        static_cast<void>(exec_prepared(c, statements::insert_rows, params));
        return true;
    } catch (const pqxx::unique_violation&) {
        return false;
    }
}

// Inserts the batch's rows merged from its reports alone, in one statement
// (statements::insert_rows when `optimism` says every id has lately been
// new, else or if that fails statements::create_rows), and merges the
// reports of the ids that existed after all into their rows as
// write_merged() does. Each report's row and event commit together; the two
// parts of the batch commit apart.
ApplyResult create_then_merge(ConnectionPool& pool, std::span<const core::Observation> batch,
                              InsertOptimism& optimism) {
    auto fresh = merge_batch(batch, {});
    std::vector<const core::State*> rows;
    rows.reserve(fresh.created.size());
    for (const auto& [id, row] : fresh.created) {
        rows.push_back(&row);
    }
    const auto rows_params = write_rows_params(rows);
    const auto events = append_events_params(batch);
    const auto params = bytes_of({&rows_params, &events});

    // Safe to run again on a fresh connection: ids it inserted the first
    // time are merged the second (the event log would hold them twice).
    bool all_inserted = false;
    std::set<std::string, std::less<>> inserted;  // when not all were
    pool.with_pg_connection([&](PgConnection& c) {
        inserted.clear();
        if (optimism.plain()) {
            all_inserted = insert_all(c, params);
            if (all_inserted) {
                return;
            }
            optimism.plain_failed();
        }
        const auto created = exec_prepared(c, statements::create_rows, params);
        for (int row = 0; row < created.rows(); ++row) {
            inserted.emplace(created.text(row, 0));
        }
        all_inserted = inserted.size() == fresh.created.size();
    });

    ApplyResult result;
    if (all_inserted) {
        optimism.all_new();
        result.rows_written = fresh.created.size();
        for (const auto& [id, row] : fresh.created) {
            result.entered.push_back(row.state);
        }
        result.outcomes = std::move(fresh.outcomes);
        result.labels = std::move(fresh.labels);
        return result;
    }
    optimism.some_existed();
    result.rows_written = inserted.size();
    for (const auto& [id, row] : fresh.created) {
        if (inserted.contains(id)) {
            result.entered.push_back(row.state);
        }
    }

    // The reports of ids that existed: merged into their rows.
    std::vector<core::Observation> rest;
    std::set<std::string_view> rest_ids;
    for (const auto& o : batch) {
        if (!inserted.contains(o.sms_id)) {
            rest.push_back(o);
            rest_ids.insert(o.sms_id);
        }
    }
    const auto merged = write_merged(
        pool, rest_ids, [&](RowsById existing) { return merge_batch(rest, std::move(existing)); },
        append_events_params(rest));
    result.rows_written += merged.rows_written;
    result.entered.insert(result.entered.end(), merged.entered.begin(), merged.entered.end());
    std::size_t next = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (inserted.contains(batch[i].sms_id)) {
            result.outcomes.push_back(fresh.outcomes[i]);
            result.labels.push_back(fresh.labels[i]);
        } else {
            result.outcomes.push_back(merged.outcomes[next]);
            result.labels.push_back(merged.labels[next]);
            ++next;
        }
    }
    return result;
}

}  // namespace

ApplyResult StatusStore::apply(std::span<const core::Observation> batch) {
    if (batch.empty()) {
        return {};
    }
    std::set<std::string_view> ids;  // key order: the order rows are locked in
    for (const auto& o : batch) {
        ids.insert(o.sms_id);
    }
    const bool expect_new = new_ids_permille_.load(std::memory_order_relaxed) >= 500;
    auto result =
        expect_new ? create_then_merge(pool_, batch, insert_optimism_)
                   : write_merged(
                         pool_, ids,
                         [&](RowsById existing) { return merge_batch(batch, std::move(existing)); },
                         append_events_params(batch));
    // How many of the batch's ids were new, into the running share that
    // picks the next batch's way (concurrent updates may lose one: it is an
    // estimate).
    const auto created =
        std::count(result.outcomes.begin(), result.outcomes.end(), ApplyOutcome::created);
    const auto sample = static_cast<int>(1000 * created / static_cast<std::ptrdiff_t>(ids.size()));
    const auto share = new_ids_permille_.load(std::memory_order_relaxed);
    new_ids_permille_.store((share * 7 + sample) / 8, std::memory_order_relaxed);
    return result;
}

ApplyResult StatusStore::apply(std::span<const core::Observation> batch,
                               std::span<const Reschedule> reschedules) {
    if (reschedules.empty()) {
        return apply(batch);
    }
    if (batch.empty()) {
        // One statement, which locks its rows in key order by itself.
        pool_.with_connection([&](pqxx::connection_base& c) {
            pqxx::nontransaction tx(c);
            reschedule_rows(tx, reschedules);
        });
        return {};
    }
    // The rows of both are locked together, in key order, by the read: the
    // batch's write then locks nothing more but the rows it inserts (new
    // ids, in key order, as in any batch), and the reschedule only rows this
    // transaction already holds. Locking the rescheduled rows afterwards
    // instead could take one ranked before a row the batch holds, and wait
    // for a batch of callbacks that waits for this one.
    std::set<std::string_view> ids;
    for (const auto& o : batch) {
        ids.insert(o.sms_id);
    }
    for (const auto& r : reschedules) {
        ids.insert(r.sms_id);
    }
    std::set<std::string, std::less<>> held;  // the rows of the round's transaction
    const auto fold = [&](RowsById existing) {
        held.clear();
        for (const auto& [id, row] : existing) {
            held.insert(id);
        }
        auto merged = merge_batch(batch, std::move(existing));
        for (const auto& [id, row] : merged.created) {
            held.insert(id);
        }
        return merged;
    };
    const auto reschedule_held = [&](pqxx::transaction_base& tx) {
        std::vector<Reschedule> rows;
        rows.reserve(reschedules.size());
        for (const auto& r : reschedules) {
            if (held.contains(r.sms_id)) {
                rows.push_back(r);
            }
        }
        reschedule_rows(tx, rows);
    };
    return write_merged(pool_, ids, fold, append_events_params(batch), reschedule_held);
}

ApplyResult part_of(std::span<const core::Observation> batch, const ApplyResult& whole,
                    std::size_t first, std::size_t count) {
    if (first + count > batch.size() || whole.labels.size() != batch.size() ||
        whole.outcomes.size() != batch.size()) {
        throw std::out_of_range("part_of: not a part of this batch's result");
    }
    ApplyResult part;
    part.outcomes.assign(whole.outcomes.begin() + static_cast<std::ptrdiff_t>(first),
                         whole.outcomes.begin() + static_cast<std::ptrdiff_t>(first + count));
    part.labels.assign(whole.labels.begin() + static_cast<std::ptrdiff_t>(first),
                       whole.labels.begin() + static_cast<std::ptrdiff_t>(first + count));
    // Each row of the part as the part alone would have found and left it.
    struct Row {
        bool created = false;
        bool written = false;
        core::StateLabel before = core::StateLabel::submitted;
        core::StateLabel after = core::StateLabel::submitted;
    };
    std::map<std::string_view, Row> rows;  // key order, as apply() lists `entered`
    for (std::size_t i = 0; i < count; ++i) {
        const auto outcome = part.outcomes[i];
        const auto& labels = part.labels[i];
        auto [row, fresh] = rows.try_emplace(batch[first + i].sms_id);
        if (fresh) {
            row->second.before = labels.before;
        }
        row->second.after = labels.after;
        row->second.created = row->second.created || outcome == ApplyOutcome::created;
        row->second.written = row->second.written || outcome != ApplyOutcome::unchanged;
    }
    for (const auto& [id, row] : rows) {
        part.rows_written += row.written ? 1 : 0;
        if (row.created) {
            part.entered.push_back(row.after);
        }
    }
    for (const auto& [id, row] : rows) {
        if (!row.created && row.written && row.before != row.after) {
            part.entered.push_back(row.after);
        }
    }
    return part;
}

ApplyResult StatusStore::close_windows(std::span<const WindowClose> closes) {
    if (closes.empty()) {
        return {};
    }
    std::set<std::string_view> ids;
    for (const auto& close : closes) {
        ids.insert(close.sms_id);
    }
    return write_merged(
        pool_, ids, [&](RowsById existing) { return close_batch(closes, std::move(existing)); },
        append_events_params({}));
}

std::optional<core::State> StatusStore::find(const std::string& sms_id) {
    std::optional<core::State> found;
    pool_.with_connection([&](pqxx::connection_base& c) {
        pqxx::read_transaction tx(c);
        const auto rows = tx.exec_prepared(statements::find_row, sms_id);
        found = rows.empty() ? std::nullopt : std::optional(read_state(rows[0]));
    });
    return found;
}

}  // namespace deliveryd::store
