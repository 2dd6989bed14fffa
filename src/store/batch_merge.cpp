#include "store/batch_merge.hpp"

#include <set>

#include "deliveryd/core/merge.hpp"

namespace deliveryd::store {

MergedBatch merge_batch(std::span<const core::Observation> batch, RowsById existing) {
    MergedBatch out;
    out.outcomes.reserve(batch.size());
    std::set<std::string_view> touched;  // existing ids some observation changed
    for (const auto& o : batch) {
        if (auto row = existing.find(o.sms_id); row != existing.end()) {
            auto merged = core::merge(row->second, o);
            if (merged == row->second) {
                out.outcomes.push_back(ApplyOutcome::unchanged);
            } else {
                out.outcomes.push_back(ApplyOutcome::changed);
                touched.insert(row->first);
                row->second = std::move(merged);
            }
            continue;
        }
        auto [row, fresh] = out.created.try_emplace(o.sms_id);
        if (fresh) {
            row->second.sms_id = o.sms_id;
            row->second.provider = o.provider;
        }
        auto merged = core::merge(row->second, o);
        out.outcomes.push_back(fresh                   ? ApplyOutcome::created
                               : merged == row->second ? ApplyOutcome::unchanged
                                                       : ApplyOutcome::changed);
        row->second = std::move(merged);
    }
    for (const auto id : touched) {
        auto node = existing.extract(existing.find(id));
        out.changed.insert(std::move(node));
    }
    return out;
}

MergedBatch close_batch(std::span<const WindowClose> closes, RowsById existing) {
    MergedBatch out;
    std::set<std::string_view> touched;
    for (const auto& close : closes) {
        const auto row = existing.find(close.sms_id);
        if (row == existing.end()) {
            continue;
        }
        auto closed = core::close_window(row->second, close.at);
        if (closed != row->second) {
            touched.insert(row->first);
            row->second = std::move(closed);
        }
    }
    for (const auto id : touched) {
        out.changed.insert(existing.extract(existing.find(id)));
    }
    return out;
}

}  // namespace deliveryd::store
