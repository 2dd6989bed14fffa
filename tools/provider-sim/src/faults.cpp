#include "faults.hpp"

#include <algorithm>

#include <boost/json/serialize.hpp>

namespace deliveryd::sim {
namespace {

namespace json = boost::json;

bool read_share(const json::object& o, std::string_view key, double& out, std::string& error) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) {
        return true;
    }
    if (!v->is_number()) {
        error = std::string(key) + ": expected a number";
        return false;
    }
    out = v->to_number<double>();
    return true;
}

bool read_ms(const json::object& o, std::string_view key, milliseconds& out, std::string& error) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) {
        return true;
    }
    if (!v->is_number() || v->to_number<double>() < 0) {
        error = std::string(key) + ": expected a non-negative number of milliseconds";
        return false;
    }
    out = milliseconds(static_cast<milliseconds::rep>(v->to_number<double>()));
    return true;
}

}  // namespace

std::string_view to_string(fault_kind k) {
    switch (k) {
        case fault_kind::none:
            return "none";
        case fault_kind::reset:
            return "reset";
        case fault_kind::timeout:
            return "timeout";
        case fault_kind::error_5xx:
            return "error_5xx";
        case fault_kind::truncated:
            return "truncated";
        case fault_kind::malformed:
            return "malformed";
        case fault_kind::bad_code:
            return "bad_code";
    }
    return "none";
}

std::string validate(const fault_config& c) {
    double sum = 0;
    for (double share : {c.reset, c.timeout, c.error_5xx, c.truncated, c.malformed, c.bad_code}) {
        if (!(share >= 0 && share <= 1)) {
            return "every share must be within [0, 1]";
        }
        sum += share;
    }
    if (sum > 1.0 + 1e-9) {
        return "the shares of reset, timeout, error_5xx, truncated, malformed and bad_code "
               "must sum to at most 1";
    }
    return {};
}

std::string update_faults(fault_config& config, const json::value& update) {
    if (!update.is_object()) {
        return "expected a JSON object";
    }
    const auto& o = update.get_object();
    static constexpr std::array known{"latency_ms", "latency_jitter_ms", "reset",     "timeout",
                                      "error_5xx",  "truncated",         "malformed", "bad_code",
                                      "hang_ms",    "endpoints"};
    for (const auto& kv : o) {
        std::string_view key(kv.key().data(), kv.key().size());
        if (std::find(known.begin(), known.end(), key) == known.end()) {
            return "unknown field " + std::string(kv.key());
        }
    }
    fault_config next = config;
    std::string error;
    if (!read_ms(o, "latency_ms", next.latency, error) ||
        !read_ms(o, "latency_jitter_ms", next.latency_jitter, error) ||
        !read_ms(o, "hang_ms", next.hang, error) || !read_share(o, "reset", next.reset, error) ||
        !read_share(o, "timeout", next.timeout, error) ||
        !read_share(o, "error_5xx", next.error_5xx, error) ||
        !read_share(o, "truncated", next.truncated, error) ||
        !read_share(o, "malformed", next.malformed, error) ||
        !read_share(o, "bad_code", next.bad_code, error)) {
        return error;
    }
    if (const auto* eps = o.if_contains("endpoints")) {
        if (!eps->is_array()) {
            return "endpoints: expected an array of endpoint names";
        }
        next.endpoints.fill(false);
        for (const auto& name : eps->get_array()) {
            bool found = false;
            for (std::size_t i = 0; i < endpoint_count; ++i) {
                if (name.is_string() &&
                    std::string_view(name.get_string().data(), name.get_string().size()) ==
                        to_string(static_cast<endpoint>(i))) {
                    next.endpoints[i] = true;
                    found = true;
                }
            }
            if (!found) {
                return "endpoints: unknown endpoint " + json::serialize(name);
            }
        }
    }
    if (auto problem = validate(next); !problem.empty()) {
        return problem;
    }
    config = next;
    return {};
}

json::value to_json(const fault_config& c) {
    json::array eps;
    for (std::size_t i = 0; i < endpoint_count; ++i) {
        if (c.endpoints[i]) {
            eps.emplace_back(to_string(static_cast<endpoint>(i)));
        }
    }
    return json::object{{"latency_ms", c.latency.count()},
                        {"latency_jitter_ms", c.latency_jitter.count()},
                        {"reset", c.reset},
                        {"timeout", c.timeout},
                        {"error_5xx", c.error_5xx},
                        {"truncated", c.truncated},
                        {"malformed", c.malformed},
                        {"bad_code", c.bad_code},
                        {"hang_ms", c.hang.count()},
                        {"endpoints", std::move(eps)}};
}

fault_kind fault_picker::pick(const fault_config& c, endpoint e) {
    if (!c.applies_to(e)) {
        return fault_kind::none;
    }
    double roll = rng_.unit();
    const std::pair<double, fault_kind> table[] = {
        {c.reset, fault_kind::reset},         {c.timeout, fault_kind::timeout},
        {c.error_5xx, fault_kind::error_5xx}, {c.truncated, fault_kind::truncated},
        {c.malformed, fault_kind::malformed}, {c.bad_code, fault_kind::bad_code},
    };
    for (const auto& [share, kind] : table) {
        if (roll < share) {
            return kind;
        }
        roll -= share;
    }
    return fault_kind::none;
}

milliseconds fault_picker::latency(const fault_config& c) {
    auto jitter = c.latency_jitter.count();
    return c.latency + milliseconds(jitter > 0 ? rng_.between(0, jitter) : 0);
}

}  // namespace deliveryd::sim
