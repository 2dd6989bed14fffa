// The metric names (and label matchers) PromQL expressions use, and whether a
// scrape of /metrics exports them: shared by the tests that hold the Grafana
// dashboard and the alerting rules to deliveryd's real metrics.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace deliveryd::testing {

// The metric names in `queries` that start with one of `prefixes` (say
// "deliveryd_"). A name is a whole PromQL identifier, colons included, so a
// recorded series like instance:deliveryd_x:rate2m starts with "instance"
// and the process_ inside deliveryd_process_... is not a name of its own.
[[nodiscard]] std::set<std::string> metric_names(const std::vector<std::string>& queries,
                                                 const std::vector<std::string>& prefixes);

// A selector metric{label="value", ...}: its metric and its equality
// matchers (the !=, =~ and !~ ones left out).
struct Selector {
    std::string metric;
    std::map<std::string, std::string> equal;

    auto operator<=>(const Selector&) const = default;
};

// The selectors with at least one equality matcher, of the metrics
// metric_names() finds.
[[nodiscard]] std::set<Selector> equality_selectors(const std::vector<std::string>& queries,
                                                    const std::vector<std::string>& prefixes);

// metric{label="value", ...}.
[[nodiscard]] std::string to_string(const Selector& selector);

// One scrape of /metrics: each family's declared type, the sample names, and
// the label text ({...}) of each sample.
struct Exposition {
    std::map<std::string, std::string> types;
    std::set<std::string> samples;
    std::multimap<std::string, std::string> labels;

    explicit Exposition(const std::string& text);

    // Exported: a family or a sample of that name, or a histogram's (or
    // summary's) _bucket, _sum or _count series.
    [[nodiscard]] bool has(const std::string& name) const;
    // A sample of the selector's metric carries every label it asks for,
    // each with its value.
    [[nodiscard]] bool has(const Selector& selector) const;
};

// The names of `wanted` that `exposition` does not have, in order.
[[nodiscard]] std::vector<std::string> missing_from(const std::set<std::string>& wanted,
                                                    const Exposition& exposition);

// What repeated scrapes found: the names still missing, and how many
// families the last successful scrape exported.
struct ExportWait {
    std::vector<std::string> missing;
    std::size_t exported = 0;
};

// Scrapes /metrics on 127.0.0.1:`port` every 250 ms until every name of
// `wanted` is exported or `timeout` passes (some metrics appear only after
// the first tick or the first report).
[[nodiscard]] ExportWait wait_until_exported(unsigned short port,
                                             const std::set<std::string>& wanted,
                                             std::chrono::milliseconds timeout);

// "a, b, c".
[[nodiscard]] std::string joined(const std::vector<std::string>& items);

}  // namespace deliveryd::testing
