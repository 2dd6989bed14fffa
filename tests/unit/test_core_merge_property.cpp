// Property test of merge(): random sets of reports (duplicates, conflicting
// outcomes, several sources, tied times, SMS and ZNS) and window closes,
// applied in random orders and groupings, must give the same row.
// The seed is printed; rerun with DELIVERYD_PROPERTY_SEED=<seed> to reproduce.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/core/merge.hpp"
#include "deliveryd/core/numbers.hpp"
#include "deliveryd/core/time_text.hpp"

namespace deliveryd::core {
namespace {

using namespace std::chrono_literals;

constexpr int cases = 2000;
const Timestamp t0{std::chrono::sys_days{std::chrono::year{2025} / 6 / 1}};

struct Close {
    Timestamp at;
};
using Event = std::variant<Observation, Close>;

// One seed per run, shared by the tests below.
std::uint64_t property_seed() {
    static const std::uint64_t seed = [] {
        if (const char* text = std::getenv("DELIVERYD_PROPERTY_SEED")) {
            return static_cast<std::uint64_t>(std::strtoull(text, nullptr, 10));
        }
        return (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
    }();
    return seed;
}

class Generator {
  public:
    explicit Generator(std::uint64_t seed) : rng_(seed) {}

    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    bool chance(int percent) { return uniform(1, 100) <= percent; }

    template <class T>
    std::optional<T> maybe(std::initializer_list<T> pool) {
        if (chance(50)) {
            return std::nullopt;
        }
        return *(pool.begin() + uniform(0, static_cast<int>(pool.size()) - 1));
    }

    Observation observation() {
        Observation o;
        o.sms_id = "id-1";
        o.source = static_cast<Source>(uniform(0, 4));
        o.provider = chance(10) ? Provider::etelecom : Provider::esms;
        o.observed_at = t0 + std::chrono::minutes{uniform(0, 12)};  // ties are common
        o.state = static_cast<StateLabel>(uniform(0, 8));           // expired included
        o.send_status = maybe({-3, 0, 1, 2, 3, 4, 5, 7});
        o.send_success = maybe({-1, 0, 1, 2});
        o.send_failed = maybe({0, 1, 2, -2});
        o.total_receiver = maybe({1, 2, 169});
        o.total_sent = maybe({0, 1, 2});
        o.total_price = maybe({Price{0}, Price{600'000}, Price{4'700'000}});
        o.telco_id = maybe({1, 2, 9});
        o.type_id = maybe({1, 2, 23, 24, 25, 26, 27});
        o.oa_id = maybe<std::string>({"1397492183140006179", "4097311281936189049"});
        o.phone = maybe<std::string>({"0901888484", "84901888484"});
        o.zalo_user_id = maybe<std::string>({"312158068343230", "31215806834323092"});
        o.request_id = maybe<std::string>({"r1", "r2"});
        o.partner_id = maybe<std::string>({"e1a60e8890be9de4c4ab", "f405841b5f2352790b36"});
        o.template_id = maybe<std::string>({"2056446", "228386"});
        o.error_code = maybe({0, -114, -124});
        o.error_message = maybe<std::string>({"Success", "Access token is invalid"});
        o.zalo_status = maybe({-1, 0, 1, 2, -7});
        o.delivered_at = maybe({t0, t0 + 1min, t0 + 3min});
        o.provider_at = maybe({t0 - 1min, t0 + 2min, t0 + 5min});
        o.fallback_sms_status = maybe<std::string>({"success", "failed", "pending"});
        o.fallback_sms_at = maybe({t0, t0 + 4min});
        o.raw = "raw-" + std::to_string(uniform(0, 1000));
        return o;
    }

    // A few distinct events, then a longer list drawing from them with repeats.
    std::vector<Event> events() {
        std::vector<Event> pool;
        const int distinct = uniform(1, 8);
        for (int i = 0; i < distinct; ++i) {
            if (chance(12)) {
                pool.emplace_back(Close{t0 + std::chrono::minutes{uniform(0, 12)}});
            } else {
                pool.emplace_back(observation());
            }
        }
        std::vector<Event> list = pool;  // each at least once
        const int repeats = uniform(0, 6);
        for (int i = 0; i < repeats; ++i) {
            list.push_back(pool[static_cast<std::size_t>(uniform(0, distinct - 1))]);
        }
        shuffle(list);
        return list;
    }

    State initial() {
        State s;
        s.sms_id = "id-1";
        s.type_id = maybe({2, 25});
        s.oa_id = chance(20) ? std::optional<std::string>("1397492183140006179") : std::nullopt;
        s.phone = maybe<std::string>({"0901888484"});
        s.submitted_at = t0 - 1h;
        s.updated_at = t0 - 1h;
        s.poll_attempts = uniform(0, 5);
        s.next_poll_at = t0 + std::chrono::minutes{uniform(0, 60)};
        return s;
    }

    template <class T>
    void shuffle(std::vector<T>& items) {
        std::shuffle(items.begin(), items.end(), rng_);
    }

  private:
    std::mt19937_64 rng_;
};

State apply(State s, const Event& e) {
    if (const auto* o = std::get_if<Observation>(&e)) {
        return merge(std::move(s), *o);
    }
    return close_window(std::move(s), std::get<Close>(e).at);
}

State fold(State s, const std::vector<Event>& events) {
    for (const auto& e : events) {
        s = apply(std::move(s), e);
    }
    return s;
}

template <class T>
std::string show(const std::optional<T>& v) {
    std::ostringstream out;
    if (!v) {
        out << "null";
    } else if constexpr (std::is_same_v<T, Timestamp>) {
        out << format_rfc3339(*v);
    } else if constexpr (std::is_same_v<T, Price>) {
        out << format_price(*v);
    } else if constexpr (std::is_enum_v<T>) {
        out << to_string(*v);
    } else {
        out << *v;
    }
    return out.str();
}

std::string describe(const State& s) {
    std::ostringstream out;
    out << "state=" << to_string(s.state) << " final=" << s.is_final
        << " state_at=" << show(s.state_at) << " source=" << show(s.state_source)
        << " final_at=" << show(s.final_at) << " resolved_by=" << show(s.resolved_by)
        << " closed_at=" << show(s.window_closed_at) << " type=" << show(s.type_id)
        << " oa=" << show(s.oa_id) << " provider=" << to_string(s.provider)
        << " send_status=" << show(s.send_status) << " error=" << show(s.error_code) << "/"
        << show(s.error_message) << " price=" << show(s.total_price)
        << " partner=" << show(s.partner_id) << " delivered_at=" << show(s.delivered_at);
    return out.str();
}

class MergeProperty : public ::testing::Test {
  protected:
    void SetUp() override {
        seed_ = property_seed();
        std::cout << "[ property ] DELIVERYD_PROPERTY_SEED=" << seed_ << " (" << cases
                  << " cases)\n";
        RecordProperty("seed", std::to_string(seed_));
    }
    std::uint64_t seed_ = 0;
};

#define EXPECT_SAME_STATE(expected, actual, what)               \
    EXPECT_TRUE((expected) == (actual))                         \
        << what << " differs (seed " << seed_ << ", case " << n \
        << ")\n  expected: " << describe(expected) << "\n  actual:   " << describe(actual)

TEST_F(MergeProperty, OrderGroupingAndRepeatsDoNotMatter) {
    Generator gen(seed_);
    for (int n = 0; n < cases; ++n) {
        const State start = gen.initial();
        const auto events = gen.events();
        const State expected = fold(start, events);

        // Any order.
        auto shuffled = events;
        gen.shuffle(shuffled);
        EXPECT_SAME_STATE(expected, fold(start, shuffled), "a shuffled order");

        // Any grouping: fold chunks onto separate copies, join the copies in a
        // random order, then keep folding what is left.
        const auto cut =
            static_cast<std::size_t>(gen.uniform(0, static_cast<int>(shuffled.size())));
        const std::vector<Event> head(shuffled.begin(), shuffled.begin() + static_cast<long>(cut));
        const std::vector<Event> tail(shuffled.begin() + static_cast<long>(cut), shuffled.end());
        std::vector<State> copies;
        for (std::size_t i = 0; i < head.size();) {
            const auto size = static_cast<std::size_t>(gen.uniform(1, 3));
            const std::vector<Event> chunk(
                head.begin() + static_cast<long>(i),
                head.begin() + static_cast<long>(std::min(i + size, head.size())));
            copies.push_back(fold(start, chunk));
            i += size;
        }
        gen.shuffle(copies);
        State grouped = start;
        for (const auto& copy : copies) {
            grouped = join(grouped, copy);
        }
        EXPECT_SAME_STATE(expected, fold(grouped, tail), "a regrouped fold");

        // Idempotence: every event twice, and everything once more at the end.
        State twice = start;
        for (const auto& e : events) {
            twice = apply(apply(twice, e), e);
        }
        EXPECT_SAME_STATE(expected, twice, "applying each event twice");
        EXPECT_SAME_STATE(expected, fold(expected, shuffled), "re-applying all events");

        // merge is join with the lifted report.
        for (const auto& e : events) {
            if (const auto* o = std::get_if<Observation>(&e)) {
                EXPECT_SAME_STATE(merge(start, *o), join(start, lift(*o)), "merge vs join(lift)");
            }
        }
        if (HasFailure()) {
            break;  // one reproducible counterexample is enough
        }
    }
}

// The counts a merged row shows, as one value to compare with a report's.
using Counts = std::tuple<std::optional<int>, std::optional<int>, std::optional<int>,
                          std::optional<int>, std::optional<int>, std::optional<Price>>;

Counts counts_of(const State& s) {
    return {s.send_status,    s.send_success, s.send_failed,
            s.total_receiver, s.total_sent,   s.total_price};
}

// What a report contributes as counts (negative counts read as absent).
Counts counts_of(const Observation& o) {
    const auto count = [](const std::optional<int>& n) { return n && *n >= 0 ? n : std::nullopt; };
    return {o.send_status,           count(o.send_success), count(o.send_failed),
            count(o.total_receiver), count(o.total_sent),   o.total_price};
}

TEST_F(MergeProperty, CountsComeTogetherFromOneReport) {
    Generator gen(seed_ ^ 0x51ED2701ULL);
    const Counts none{};
    for (int n = 0; n < cases; ++n) {
        const State start = gen.initial();
        auto events = gen.events();
        gen.shuffle(events);
        const State merged = fold(start, events);
        bool from_a_report = counts_of(merged) == none;
        bool some_report_has_counts = false;
        for (const auto& e : events) {
            if (const auto* o = std::get_if<Observation>(&e)) {
                from_a_report = from_a_report || counts_of(*o) == counts_of(merged);
                some_report_has_counts = some_report_has_counts || counts_of(*o) != none;
            }
        }
        EXPECT_TRUE(from_a_report) << "seed " << seed_ << ", case " << n << ": the counts of "
                                   << describe(merged) << " are no report's";
        EXPECT_EQ(counts_of(merged) != none, some_report_has_counts)
            << "seed " << seed_ << ", case " << n;
        // A row with counts knows which report they came from.
        EXPECT_EQ(merged.counts_state.has_value(), counts_of(merged) != none);
        // Success is never an error of the row.
        EXPECT_NE(merged.error_code, std::optional<int>(0)) << "seed " << seed_ << ", case " << n;
        // The fallback status and time come from one report too.
        if (merged.fallback_sms_status || merged.fallback_sms_at) {
            bool same_report = false;
            for (const auto& e : events) {
                if (const auto* o = std::get_if<Observation>(&e)) {
                    same_report =
                        same_report || (o->fallback_sms_status == merged.fallback_sms_status &&
                                        o->fallback_sms_at == merged.fallback_sms_at);
                }
            }
            EXPECT_TRUE(same_report) << "seed " << seed_ << ", case " << n;
        }
        if (HasFailure()) {
            break;
        }
    }
}

TEST_F(MergeProperty, CloseWindowThenLateReports) {
    Generator gen(seed_ ^ 0x9E3779B97F4A7C15ULL);
    for (int n = 0; n < cases; ++n) {
        const State start = gen.initial();
        auto events = gen.events();
        const Timestamp closed = t0 + std::chrono::minutes{gen.uniform(0, 12)};

        // Closing first and reporting later equals reporting first and closing later.
        const State close_first = fold(close_window(start, closed), events);
        const State close_last = close_window(fold(start, events), closed);
        EXPECT_SAME_STATE(close_last, close_first, "close_window before the reports");

        // Once the window closed, every row is final and stays final, and
        // `expired` means no label beyond submitted was ever reported.
        EXPECT_TRUE(close_first.is_final) << "seed " << seed_ << ", case " << n;
        EXPECT_TRUE(close_first.window_closed);
        EXPECT_TRUE(close_first.final_at.has_value());
        EXPECT_TRUE(close_first.resolved_by.has_value());
        bool any_real = false;
        for (const auto& e : events) {
            if (const auto* o = std::get_if<Observation>(&e)) {
                any_real = any_real || progress_rank(o->state) > 0;
            }
        }
        EXPECT_EQ(close_first.state == StateLabel::expired, !any_real)
            << "seed " << seed_ << ", case " << n << ": " << describe(close_first);
        if (HasFailure()) {
            break;
        }
    }
}

TEST_F(MergeProperty, RowsNeverMoveBackwards) {
    Generator gen(seed_ + 1);
    for (int n = 0; n < cases; ++n) {
        State s = gen.initial();
        for (const auto& e : gen.events()) {
            const State next = apply(s, e);
            EXPECT_GE(progress_rank(next.state), progress_rank(s.state))
                << "seed " << seed_ << ", case " << n;
            // A final row stays final unless a report reveals a ZNS at `sent`.
            if (s.is_final && !next.is_final) {
                EXPECT_EQ(next.state, StateLabel::sent);
                EXPECT_TRUE(is_zns(next));
            }
            s = next;
        }
        if (HasFailure()) {
            break;
        }
    }
}

// merge_into is merge, in place: the batch path and the one-report path
// cannot drift apart.
TEST_F(MergeProperty, MergeIntoIsMerge) {
    Generator gen(seed_ + 2);
    for (int n = 0; n < cases; ++n) {
        State s = gen.initial();
        for (const auto& e : gen.events()) {
            const auto* o = std::get_if<Observation>(&e);
            if (o == nullptr) {
                s = apply(std::move(s), e);
                continue;
            }
            const State merged = merge(s, *o);
            merge_into(s, *o);
            EXPECT_EQ(s, merged) << "seed " << seed_ << ", case " << n << "\n"
                                 << describe(s) << "\n"
                                 << describe(merged);
        }
        State fresh;
        const auto o = gen.observation();
        merge_into(fresh, o);
        EXPECT_EQ(fresh, merge(State{}, o)) << "seed " << seed_ << ", case " << n;
        if (HasFailure()) {
            break;
        }
    }
}

}  // namespace
}  // namespace deliveryd::core
