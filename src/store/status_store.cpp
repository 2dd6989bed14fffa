#include "deliveryd/store/status_store.hpp"

#include <functional>
#include <map>
#include <set>
#include <string_view>

#include <pqxx/pqxx>

#include "deliveryd/store/errors.hpp"

#include "store/batch_merge.hpp"
#include "store/merged_write.hpp"
#include "store/pg_array.hpp"
#include "store/state_rows.hpp"
#include "store/statements.hpp"

namespace deliveryd::store {
namespace {

std::string id_array(const std::set<std::string_view>& ids) {
    PgArray array;
    for (const auto id : ids) {
        array.add(id);
    }
    return array.finish();
}

using Versions = std::map<std::string, std::int64_t, std::less<>>;

// The parameters of statements::write_batch: the rows to insert, then the
// rows to update with the version each was read at (each in key order),
// then the events.
std::vector<std::string> write_batch_params(const MergedBatch& merged, const Versions& versions,
                                            const std::vector<std::string>& events) {
    std::vector<const core::State*> rows;
    PgArray read_at;
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
    params.push_back(read_at.finish());
    params.insert(params.end(), events.begin(), events.end());
    return params;
}

}  // namespace

std::optional<ApplyResult> read_merge_write(pqxx::transaction_base& tx, const char* read_statement,
                                            const std::string& ids, const Fold& fold,
                                            const std::vector<std::string>& events) {
    RowsById existing;
    Versions versions;
    for (const auto& row : tx.exec_prepared(read_statement, ids)) {
        auto state = read_state(row);
        versions.emplace(state.sms_id, row[row_version_column].as<std::int64_t>());
        auto id = state.sms_id;
        existing.emplace(std::move(id), std::move(state));
    }
    auto merged = fold(std::move(existing));
    const auto written = tx.exec_prepared(
        statements::write_batch,
        pqxx::prepare::make_dynamic_params(write_batch_params(merged, versions, events)));
    if (!written[0][0].as<bool>()) {
        return std::nullopt;
    }
    ApplyResult result;
    result.outcomes = std::move(merged.outcomes);
    result.rows_written = merged.created.size() + merged.changed.size();
    result.entered = std::move(merged.entered);
    return result;
}

namespace {

// Reads the rows of `ids`, folds them with `fold` and writes the result,
// starting over while rows change under it (see StatusStore::apply).
ApplyResult write_merged(ConnectionPool& pool, const std::set<std::string_view>& ids,
                         const Fold& fold, const std::vector<std::string>& events) {
    ApplyResult result;
    const auto ids_param = id_array(ids);

    // The first round reads without locks, and fails if a row it changed
    // was changed by someone else before it wrote. Later rounds lock what
    // they read, so only one of their new ids being created meanwhile can
    // fail them, which each id can do once: a batch needs at most one round
    // per id more (unless rows are deleted under it).
    const auto max_rounds = ids.size() + 2;

    // Retried whole on a stale connection: every step is idempotent but the
    // event log, which would at worst hold a report twice.
    pool.with_connection([&](pqxx::connection_base& c) {
        for (std::size_t round = 1;; ++round) {
            try {
                if (round == 1) {
                    // Two round trips and no BEGIN or COMMIT: the read takes
                    // no locks, and the write is one statement, so one
                    // transaction, which commits before exec returns.
                    pqxx::nontransaction tx(c);
                    if (auto done =
                            read_merge_write(tx, statements::read_rows, ids_param, fold, events)) {
                        result = std::move(*done);
                        return;
                    }
                } else {
                    pqxx::work tx(c);
                    if (auto done =
                            read_merge_write(tx, statements::lock_rows, ids_param, fold, events)) {
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

}  // namespace

ApplyResult StatusStore::apply(std::span<const core::Observation> batch) {
    if (batch.empty()) {
        return {};
    }
    std::set<std::string_view> ids;  // key order: the order rows are locked in
    for (const auto& o : batch) {
        ids.insert(o.sms_id);
    }
    return write_merged(
        pool_, ids, [&](RowsById existing) { return merge_batch(batch, std::move(existing)); },
        append_events_params(batch));
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
