#include "deliveryd/store/status_store.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <pqxx/pqxx>

#include "deliveryd/core/merge.hpp"

#include "store/pg_array.hpp"
#include "store/state_rows.hpp"
#include "store/statements.hpp"

namespace deliveryd::store {
namespace {

std::string id_array(const std::vector<std::string_view>& ids) {
    PgArray array;
    for (const auto id : ids) {
        array.add(id);
    }
    return array.finish();
}

}  // namespace

ApplyResult StatusStore::apply(std::span<const core::Observation> batch) {
    ApplyResult result;
    if (batch.empty()) {
        return result;
    }

    // The batch's ids in key order, each with the provider of its first report
    // (what a row created by that report starts with).
    std::map<std::string_view, std::string_view> first_provider;
    for (const auto& o : batch) {
        first_provider.emplace(o.sms_id, core::to_string(o.provider));
    }
    std::vector<std::string_view> ids;
    PgArray providers;
    ids.reserve(first_provider.size());
    for (const auto& [id, provider] : first_provider) {
        ids.push_back(id);
        providers.add(provider);
    }
    const auto ids_param = id_array(ids);
    const auto providers_param = providers.finish();
    const auto events_params = append_events_params(batch);

    // Retried whole on a stale connection: every step is idempotent but the
    // event log, which would at worst hold a report twice.
    pool_.with_connection([&](pqxx::connection_base& c) {
        result = ApplyResult{};
        pqxx::work tx(c);

        std::set<std::string, std::less<>> created;
        for (const auto& row :
             tx.exec_prepared(statements::create_missing_rows, ids_param, providers_param)) {
            created.insert(row[0].as<std::string>());
        }

        std::map<std::string, core::State, std::less<>> rows;
        for (const auto& row : tx.exec_prepared(statements::lock_rows, ids_param)) {
            auto state = read_state(row);
            auto id = state.sms_id;
            rows.emplace(std::move(id), std::move(state));
        }
        std::map<std::string_view, core::State> before;
        for (const auto& [id, state] : rows) {
            before.emplace(id, state);
        }

        result.outcomes.reserve(batch.size());
        for (const auto& o : batch) {
            auto& state = rows.at(o.sms_id);
            auto merged = core::merge(state, o);
            if (created.contains(o.sms_id)) {
                created.erase(created.find(o.sms_id));
                result.outcomes.push_back(ApplyOutcome::created);
            } else {
                result.outcomes.push_back(merged == state ? ApplyOutcome::unchanged
                                                          : ApplyOutcome::changed);
            }
            state = std::move(merged);
        }

        std::vector<const core::State*> changed;
        for (const auto& [id, state] : rows) {
            if (!(state == before.at(id))) {
                changed.push_back(&state);
            }
        }
        if (!changed.empty()) {
            tx.exec_prepared(statements::write_rows,
                             pqxx::prepare::make_dynamic_params(write_rows_params(changed)));
        }
        tx.exec_prepared(statements::append_events,
                         pqxx::prepare::make_dynamic_params(events_params));
        tx.commit();
        result.rows_written = changed.size();
    });
    return result;
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
