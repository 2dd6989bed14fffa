// merge_batch() and close_batch(): the database-free part of
// StatusStore::apply and StatusStore::close_windows.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/core/merge.hpp"

#include "store/batch_merge.hpp"

namespace deliveryd::store {
namespace {

using namespace std::chrono_literals;

using core::Observation;
using core::Provider;
using core::Resolver;
using core::Source;
using core::State;
using core::StateLabel;

const core::Timestamp t0{std::chrono::sys_days{std::chrono::year{2025} / 4 / 1}};

Observation report(std::string id, StateLabel label, core::Timestamp at,
                   Source source = Source::callback) {
    Observation o;
    o.sms_id = std::move(id);
    o.state = label;
    o.observed_at = at;
    o.source = source;
    return o;
}

// A stored row as the sender registered it: bookkeeping set, no status yet.
State stored(std::string id, std::string account = "shop2") {
    State s;
    s.sms_id = std::move(id);
    s.account = std::move(account);
    s.type_id = 2;
    s.submitted_at = t0 - 1h;
    s.updated_at = t0 - 1h;
    s.poll_attempts = 2;
    s.next_poll_at = t0 + 5min;
    return core::normalized(std::move(s));
}

RowsById rows(std::vector<State> states) {
    RowsById out;
    for (auto& s : states) {
        auto id = s.sms_id;
        out.emplace(std::move(id), std::move(s));
    }
    return out;
}

// What creating a row with only its id and provider, then merging, gives.
State fresh(const std::string& id, Provider provider) {
    State s;
    s.sms_id = id;
    s.provider = provider;
    return s;
}

std::vector<std::string> keys(const RowsById& map) {
    std::vector<std::string> out;
    for (const auto& [id, row] : map) {
        out.push_back(id);
    }
    return out;
}

using Outcomes = std::vector<ApplyOutcome>;

TEST(StoreBatchMerge, EmptyBatchChangesNothing) {
    const auto out = merge_batch({}, rows({stored("a")}));
    EXPECT_TRUE(out.outcomes.empty());
    EXPECT_TRUE(out.created.empty());
    EXPECT_TRUE(out.changed.empty());
}

TEST(StoreBatchMerge, NewIdIsCreatedFromItsIdAndProvider) {
    auto esms = report("new-1", StateLabel::waiting, t0);
    auto etelecom = report("new-2", StateLabel::sent, t0, Source::etelecom_get_message);
    etelecom.provider = Provider::etelecom;
    const std::vector batch{esms, etelecom};

    const auto out = merge_batch(batch, {});
    EXPECT_EQ(out.outcomes, (Outcomes{ApplyOutcome::created, ApplyOutcome::created}));
    EXPECT_TRUE(out.changed.empty());
    ASSERT_EQ(keys(out.created), (std::vector<std::string>{"new-1", "new-2"}));
    EXPECT_EQ(out.created.at("new-1"), core::merge(fresh("new-1", Provider::esms), esms));
    EXPECT_EQ(out.created.at("new-1").state, StateLabel::waiting);
    EXPECT_EQ(out.created.at("new-1").account, "default");
    EXPECT_EQ(out.created.at("new-2"), core::merge(fresh("new-2", Provider::etelecom), etelecom));
    EXPECT_EQ(out.created.at("new-2").provider, Provider::etelecom);
}

TEST(StoreBatchMerge, LaterReportsOfANewIdAreChangedOrUnchanged) {
    const auto first = report("new-1", StateLabel::waiting, t0);
    const auto further = report("new-1", StateLabel::sent, t0 + 1min);
    const auto older = report("new-1", StateLabel::pending_approval, t0 - 1min);
    const std::vector batch{first, further, further, older};

    const auto out = merge_batch(batch, {});
    EXPECT_EQ(out.outcomes, (Outcomes{ApplyOutcome::created, ApplyOutcome::changed,
                                      ApplyOutcome::unchanged, ApplyOutcome::unchanged}));
    EXPECT_TRUE(out.changed.empty());
    ASSERT_EQ(out.created.size(), 1U);
    auto expected = fresh("new-1", Provider::esms);
    for (const auto& o : batch) {
        expected = core::merge(expected, o);
    }
    EXPECT_EQ(out.created.at("new-1"), expected);
    EXPECT_EQ(out.created.at("new-1").state, StateLabel::sent);
}

TEST(StoreBatchMerge, DuplicateOfANewIdIsUnchanged) {
    const auto o = report("new-1", StateLabel::sent, t0);
    const std::vector batch{o, o};
    const auto out = merge_batch(batch, {});
    EXPECT_EQ(out.outcomes, (Outcomes{ApplyOutcome::created, ApplyOutcome::unchanged}));
    EXPECT_EQ(out.created.at("new-1"), core::merge(fresh("new-1", Provider::esms), o));
}

TEST(StoreBatchMerge, ExistingRowChangedIsInChanged) {
    const auto o = report("a", StateLabel::sent, t0, Source::get_send_status);
    const std::vector batch{o};
    const auto row = stored("a");

    const auto out = merge_batch(batch, rows({row, stored("b")}));
    EXPECT_EQ(out.outcomes, (Outcomes{ApplyOutcome::changed}));
    EXPECT_TRUE(out.created.empty());
    ASSERT_EQ(keys(out.changed), (std::vector<std::string>{"a"}));
    const auto& merged = out.changed.at("a");
    EXPECT_EQ(merged, core::merge(row, o));
    EXPECT_EQ(merged.state, StateLabel::sent);
    EXPECT_TRUE(merged.is_final);
    EXPECT_EQ(merged.resolved_by, Resolver::poll);
    // Bookkeeping stays the stored row's.
    EXPECT_EQ(merged.account, "shop2");
    EXPECT_EQ(merged.submitted_at, row.submitted_at);
    EXPECT_EQ(merged.poll_attempts, 2);
    EXPECT_EQ(merged.next_poll_at, row.next_poll_at);
}

TEST(StoreBatchMerge, IdenticalReportOnExistingRowIsUnchangedAndNotInChanged) {
    const auto o = report("a", StateLabel::sent, t0);
    const std::vector batch{o};
    const auto row = core::merge(stored("a"), o);  // the row already knows it

    const auto out = merge_batch(batch, rows({row}));
    EXPECT_EQ(out.outcomes, (Outcomes{ApplyOutcome::unchanged}));
    EXPECT_TRUE(out.created.empty());
    EXPECT_TRUE(out.changed.empty());
}

TEST(StoreBatchMerge, OlderNewsOnExistingRowIsUnchanged) {
    const auto row = core::merge(stored("a"), report("a", StateLabel::sent, t0));
    // A late "waiting" after "sent" changes nothing but the event log.
    const auto late_waiting = report("a", StateLabel::waiting, t0 - 1min);
    const std::vector batch{late_waiting};
    const auto out = merge_batch(batch, rows({row}));
    EXPECT_EQ(out.outcomes, (Outcomes{ApplyOutcome::unchanged}));
    EXPECT_TRUE(out.changed.empty());
}

TEST(StoreBatchMerge, ExistingRowChangedThenRepeatedIsInChangedOnce) {
    const auto o = report("a", StateLabel::waiting, t0);
    const auto later = report("a", StateLabel::sent, t0 + 1min);
    const std::vector batch{o, o, later};
    const auto row = stored("a");

    const auto out = merge_batch(batch, rows({row}));
    EXPECT_EQ(out.outcomes,
              (Outcomes{ApplyOutcome::changed, ApplyOutcome::unchanged, ApplyOutcome::changed}));
    ASSERT_EQ(out.changed.size(), 1U);
    EXPECT_EQ(out.changed.at("a"), core::merge(core::merge(core::merge(row, o), o), later));
}

TEST(StoreBatchMerge, OutcomesFollowBatchOrderAcrossIds) {
    const auto known = core::merge(stored("b"), report("b", StateLabel::sent, t0));
    const std::vector batch{
        report("z-new", StateLabel::waiting, t0),                   // created
        report("b", StateLabel::sent, t0),                          // unchanged (known)
        report("a", StateLabel::sent_to_telco, t0),                 // changed
        report("z-new", StateLabel::waiting, t0),                   // unchanged duplicate
        report("c", StateLabel::failed, t0, Source::get_callback),  // changed
        report("m-new", StateLabel::sent, t0),                      // created
        report("z-new", StateLabel::sent, t0 + 1s),                 // changed
    };

    const auto out = merge_batch(batch, rows({stored("a"), known, stored("c"), stored("d")}));
    EXPECT_EQ(out.outcomes,
              (Outcomes{ApplyOutcome::created, ApplyOutcome::unchanged, ApplyOutcome::changed,
                        ApplyOutcome::unchanged, ApplyOutcome::changed, ApplyOutcome::created,
                        ApplyOutcome::changed}));
    EXPECT_EQ(keys(out.created), (std::vector<std::string>{"m-new", "z-new"}));
    EXPECT_EQ(keys(out.changed), (std::vector<std::string>{"a", "c"}));
    EXPECT_EQ(out.changed.at("a").state, StateLabel::sent_to_telco);
    EXPECT_EQ(out.changed.at("c").state, StateLabel::failed);
    EXPECT_EQ(out.created.at("z-new").state, StateLabel::sent);
}

TEST(StoreBatchMerge, CloseExpiresASubmittedRow) {
    const auto row = stored("a");
    const std::vector closes{WindowClose{"a", t0 + 7 * 24h}};

    const auto out = close_batch(closes, rows({row}));
    EXPECT_TRUE(out.outcomes.empty());
    EXPECT_TRUE(out.created.empty());
    ASSERT_EQ(keys(out.changed), (std::vector<std::string>{"a"}));
    const auto& closed = out.changed.at("a");
    EXPECT_EQ(closed, core::close_window(row, t0 + 7 * 24h));
    EXPECT_EQ(closed.state, StateLabel::expired);
    EXPECT_TRUE(closed.is_final);
    EXPECT_TRUE(closed.window_closed);
    EXPECT_EQ(closed.final_at, t0 + 7 * 24h);
    EXPECT_EQ(closed.resolved_by, Resolver::poll);
    EXPECT_EQ(closed.account, "shop2");
}

TEST(StoreBatchMerge, CloseOfAnAlreadyClosedFinalRowIsUnchanged) {
    const auto expired = core::close_window(stored("a"), t0 + 7 * 24h);
    ASSERT_TRUE(expired.is_final);
    // A later close: the earliest close counts, so nothing moves.
    const std::vector closes{WindowClose{"a", t0 + 8 * 24h}};

    const auto out = close_batch(closes, rows({expired}));
    EXPECT_TRUE(out.outcomes.empty());
    EXPECT_TRUE(out.created.empty());
    EXPECT_TRUE(out.changed.empty());
}

TEST(StoreBatchMerge, CloseOfAFinalSmsRowRecordsOnlyTheWindow) {
    // Final by its label (SMS sent) but the window still open: the close is
    // recorded (window_closed), the outcome does not move.
    const auto sent = core::merge(stored("a"), report("a", StateLabel::sent, t0));
    ASSERT_TRUE(sent.is_final);
    const std::vector closes{WindowClose{"a", t0 + 7 * 24h}};

    const auto out = close_batch(closes, rows({sent}));
    EXPECT_TRUE(out.outcomes.empty());
    ASSERT_EQ(keys(out.changed), (std::vector<std::string>{"a"}));
    const auto& closed = out.changed.at("a");
    EXPECT_EQ(closed, core::close_window(sent, t0 + 7 * 24h));
    EXPECT_TRUE(closed.window_closed);
    EXPECT_EQ(closed.window_closed_at, t0 + 7 * 24h);
    EXPECT_EQ(closed.state, StateLabel::sent);
    EXPECT_TRUE(closed.is_final);
    EXPECT_EQ(closed.final_at, sent.final_at);
    EXPECT_EQ(closed.resolved_by, Resolver::callback);
}

TEST(StoreBatchMerge, CloseSkipsIdsWithoutARow) {
    const auto row = stored("b");
    const std::vector closes{WindowClose{"a", t0}, WindowClose{"b", t0 + 7 * 24h},
                             WindowClose{"c", t0}};

    const auto out = close_batch(closes, rows({row}));
    EXPECT_TRUE(out.outcomes.empty());
    EXPECT_TRUE(out.created.empty());
    EXPECT_EQ(keys(out.changed), (std::vector<std::string>{"b"}));

    const auto none = close_batch(closes, {});
    EXPECT_TRUE(none.outcomes.empty());
    EXPECT_TRUE(none.created.empty());
    EXPECT_TRUE(none.changed.empty());
}

TEST(StoreBatchMerge, CloseTwiceInOneBatchKeepsTheEarliest) {
    const auto row = stored("a");
    const std::vector closes{WindowClose{"a", t0 + 8 * 24h}, WindowClose{"a", t0 + 7 * 24h}};

    const auto out = close_batch(closes, rows({row, stored("b")}));
    ASSERT_EQ(keys(out.changed), (std::vector<std::string>{"a"}));
    EXPECT_EQ(out.changed.at("a").window_closed_at, t0 + 7 * 24h);
    EXPECT_EQ(out.changed.at("a").final_at, t0 + 7 * 24h);
    EXPECT_EQ(out.changed.at("a"), core::close_window(row, t0 + 7 * 24h));
}

}  // namespace
}  // namespace deliveryd::store
