#include "store/batch_merge.hpp"

#include <map>
#include <string_view>
#include <utility>

#include "deliveryd/core/merge.hpp"

namespace deliveryd::store {
namespace {

// Moves the touched rows from `existing` to out.changed and lists the states
// entered: every created row's, then each touched row's whose label moved.
// (Extracted nodes keep their keys where they are, so `touched`'s views stay
// valid.)
void move_touched(RowsById& existing, const std::map<std::string_view, core::StateLabel>& touched,
                  MergedBatch& out) {
    for (const auto& [id, row] : out.created) {
        out.entered.push_back(row.state);
    }
    for (const auto& [id, label_before] : touched) {
        auto node = existing.extract(existing.find(id));
        if (node.mapped().state != label_before) {
            out.entered.push_back(node.mapped().state);
        }
        out.changed.insert(std::move(node));
    }
}

}  // namespace

MergedBatch merge_batch(std::span<const core::Observation> batch, RowsById existing) {
    MergedBatch out;
    out.outcomes.reserve(batch.size());
    out.labels.reserve(batch.size());
    // Existing ids some observation changed, with the label each had before.
    std::map<std::string_view, core::StateLabel> touched;
    for (const auto& o : batch) {
        if (auto row = existing.find(o.sms_id); row != existing.end()) {
            auto merged = core::merge(row->second, o);
            out.labels.push_back({row->second.state, merged.state});
            if (merged == row->second) {
                out.outcomes.push_back(ApplyOutcome::unchanged);
            } else {
                out.outcomes.push_back(ApplyOutcome::changed);
                touched.try_emplace(row->first, row->second.state);
                row->second = std::move(merged);
            }
            continue;
        }
        auto [row, fresh] = out.created.try_emplace(o.sms_id);
        if (fresh) {
            row->second.sms_id = o.sms_id;
            row->second.provider = o.provider;
        }
        const auto label_before = row->second.state;
        if (fresh) {
            // Compared with nothing: merged in place, not copied.
            core::merge_into(row->second, o);
            out.labels.push_back({label_before, row->second.state});
            out.outcomes.push_back(ApplyOutcome::created);
            continue;
        }
        auto merged = core::merge(row->second, o);
        out.labels.push_back({label_before, merged.state});
        out.outcomes.push_back(merged == row->second ? ApplyOutcome::unchanged
                                                     : ApplyOutcome::changed);
        row->second = std::move(merged);
    }
    move_touched(existing, touched, out);
    return out;
}

MergedBatch close_batch(std::span<const WindowClose> closes, RowsById existing) {
    MergedBatch out;
    std::map<std::string_view, core::StateLabel> touched;
    for (const auto& close : closes) {
        const auto row = existing.find(close.sms_id);
        if (row == existing.end()) {
            continue;
        }
        auto closed = core::close_window(row->second, close.at);
        if (closed != row->second) {
            touched.try_emplace(row->first, row->second.state);
            row->second = std::move(closed);
        }
    }
    move_touched(existing, touched, out);
    return out;
}

}  // namespace deliveryd::store
