#include "stats.hpp"

#include <algorithm>

namespace deliveryd::sim {
namespace {

namespace json = boost::json;

std::string bucket_name(std::size_t i) {
    const auto& b = id_histogram::bounds;
    if (i == b.size()) {
        return ">" + std::to_string(b.back());
    }
    if (i == 0 || b[i - 1] + 1 == b[i]) {
        return std::to_string(b[i]);
    }
    return std::to_string(b[i - 1] + 1) + "-" + std::to_string(b[i]);
}

}  // namespace

void id_histogram::record(std::size_t ids) {
    ++calls;
    total_ids += ids;
    max_ids = std::max(max_ids, ids);
    if (ids > 200) {
        ++truncated_calls;
    }
    std::size_t i = 0;
    while (i < bounds.size() && ids > bounds[i]) {
        ++i;
    }
    ++buckets[i];
}

json::value id_histogram::to_json() const {
    json::object hist;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        hist[bucket_name(i)] = buckets[i];
    }
    return json::object{{"calls", calls},
                        {"total_ids", total_ids},
                        {"max_ids", max_ids},
                        {"truncated_calls", truncated_calls},
                        {"histogram", std::move(hist)}};
}

json::object stats_to_json(const sim_stats& stats, const rate_limiter& limiter) {
    json::object endpoints;
    for (std::size_t i = 0; i < endpoint_count; ++i) {
        auto e = static_cast<endpoint>(i);
        json::object keys;
        for (const auto& [k, w] : limiter.windows()) {
            if (k.first != e) {
                continue;
            }
            keys[k.second] = json::object{{"calls", w.calls()},
                                          {"accepted", w.calls() - w.refused()},
                                          {"violations", w.refused()},
                                          {"max_calls_in_1s", w.max_in_window()}};
        }
        endpoints[to_string(e)] = json::object{{"limit", limiter.limits().of(e)},
                                               {"auth_failures", stats.auth_failures[i]},
                                               {"bad_requests", stats.bad_requests[i]},
                                               {"keys", std::move(keys)}};
    }
    json::object faults;
    for (std::size_t i = 1; i < fault_kind_count; ++i) {
        faults[to_string(static_cast<fault_kind>(i))] = stats.faults[i];
    }
    const auto& cb = stats.callbacks;
    return json::object{{"endpoints", std::move(endpoints)},
                        {"violations", limiter.violations()},
                        {"overlapping_callers", limiter.overlaps()},
                        {"not_found", stats.not_found},
                        {"send_status_unknown_ids", stats.send_status_unknown_ids},
                        {"sent_data_pages", stats.sent_data_pages},
                        {"list_messages_pages", stats.list_messages_pages},
                        {"get_callback_ids", stats.get_callback_ids.to_json()},
                        {"callbacks", json::object{{"scheduled", cb.scheduled},
                                                   {"sent", cb.sent},
                                                   {"failed", cb.failed},
                                                   {"dropped", cb.dropped},
                                                   {"no_url", cb.no_url},
                                                   {"attempts", cb.attempts},
                                                   {"retried", cb.retried},
                                                   {"attempt_errors", cb.attempt_errors}}},
                        {"faults_injected", std::move(faults)}};
}

}  // namespace deliveryd::sim
