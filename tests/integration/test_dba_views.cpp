// The DBA views of sql/003_operations.sql (delivery_summary_daily,
// delivery_unresolved, delivery_resolution_source, delivery_provider_errors)
// on a small hand-made set of rows whose every expected output line is
// written out below, and the plans of the queries docs/dba.md recommends on
// 200,000 generated rows: each must read an index, never the whole table.
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "store/status_sql.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using testing::ScratchDatabase;
using Rows = std::vector<std::string>;

// Each row as its columns joined by '|' (NULL for null).
Rows text_of(const pqxx::result& result) {
    Rows rows;
    for (const auto& row : result) {
        std::string line;
        for (pqxx::row::size_type i = 0; i < row.size(); ++i) {
            line += (i == 0 ? "" : "|");
            line += row[i].is_null() ? "NULL" : row[i].c_str();
        }
        rows.push_back(line);
    }
    return rows;
}

// The rows of a query (text_of), read in a session whose TimeZone is UTC
// so that times print the same everywhere.
Rows rows_of(const ScratchDatabase& db, const std::string& sql,
             const std::string& time_zone = "UTC") {
    pqxx::connection c(db.url());
    pqxx::nontransaction tx(c);
    tx.exec("SET TimeZone = " + tx.quote(time_zone));
    return text_of(tx.exec(sql));
}

// How a hand-made row came to its state.
enum class How {
    callback,       // a callback made it final
    poll,           // a status API's answer made it final
    window_end,     // the polling window ended (final_at = window_closed_at)
    late_callback,  // the window ended, then a callback completed it
    open_due,       // not final, next poll in the past
    open_later,     // not final, next poll in the future
};

struct Message {
    std::string sms_id;
    std::string account;
    std::string kind;  // sms1, sms2, viber, zns24, zns25, zns_oa (OA id, no TypeId), etelecom
    std::string state;
    std::string submitted_at;  // UTC
    How how;
    std::string price;          // SQL literal
    std::string error_code;     // SQL literal
    std::string error_message;  // with error_code
};

Message message(std::string sms_id, std::string account, std::string kind, std::string state,
                std::string submitted_at, How how, std::string price = "NULL",
                std::string error_code = "NULL", std::string error_message = "") {
    return {std::move(sms_id), std::move(account),      std::move(kind),
            std::move(state),  std::move(submitted_at), how,
            std::move(price),  std::move(error_code),   std::move(error_message)};
}

// Two accounts, the three channels (and eTelecom), final and open rows, every
// way of becoming final, errors, and submission times on both sides of the
// Vietnam-time midnights: 2026-03-01 16:59:59Z is 23:59:59 on 1 March in
// Vietnam, 17:00:00Z is already 2 March.
const std::vector<Message>& messages() {
    static const std::vector<Message> all = {
        message("a-sms-0", "default", "sms2", "sent", "2026-02-28 16:59:59", How::callback, "800"),
        message("a-viber-1", "default", "viber", "sent", "2026-02-28 17:00:00", How::callback,
                "600"),
        message("a-sms-1", "default", "sms2", "sent", "2026-03-01 16:59:59", How::callback, "800"),
        message("a-sms-2", "default", "sms2", "sent", "2026-03-01 03:00:00", How::poll, "800"),
        message("a-sms-3", "default", "sms2", "rejected", "2026-03-01 03:10:00", How::callback,
                "NULL", "104", "Brandname is not registered"),
        message("a-zns-1", "default", "zns25", "delivered", "2026-03-01 04:00:00", How::callback,
                "200"),
        message("a-zns-2", "default", "zns25", "sent", "2026-03-01 04:10:00", How::window_end,
                "200"),
        message("a-zns-3", "default", "zns25", "failed", "2026-03-01 04:20:00", How::callback,
                "NULL", "-114", "User is inactive"),
        message("a-zns-4", "default", "zns25", "failed", "2026-03-01 04:30:00", How::poll, "NULL",
                "-114", "User is inactive"),
        message("a-zns-5", "default", "zns25", "failed", "2026-03-01 04:40:00", How::callback,
                "NULL", "-114", "User is not eligible"),
        message("a-zns-6", "default", "zns25", "sent", "2026-03-01 05:00:00", How::open_due),
        message("a-et-1", "default", "etelecom", "delivered", "2026-03-01 06:00:00", How::poll,
                "300"),
        message("b-sms-1", "shop", "sms2", "sent", "2026-03-01 07:00:00", How::callback, "800"),
        message("b-sms-2", "shop", "sms2", "waiting", "2026-03-01 07:10:00", How::open_later),
        message("b-zns-1", "shop", "zns_oa", "expired", "2026-03-01 08:00:00", How::window_end),
        message("b-zns-2", "shop", "zns24", "failed", "2026-03-01 09:00:00", How::callback, "NULL",
                "-124", "Access token is invalid"),
        message("a-sms-4", "default", "sms2", "sent", "2026-03-01 17:00:00", How::callback, "800"),
        message("a-sms-5", "default", "sms1", "submitted", "2026-03-02 01:00:00", How::open_due),
        message("a-zns-7", "default", "zns25", "expired", "2026-03-02 02:00:00", How::window_end),
        message("a-zns-8", "default", "zns25", "delivered", "2026-03-02 03:00:00",
                How::late_callback, "200"),
        message("b-viber-1", "shop", "viber", "rejected", "2026-03-02 04:00:00", How::callback,
                "NULL", "104", "Brandname is not registered"),
        message("b-et-1", "shop", "etelecom", "submitted", "2026-03-03 01:00:00", How::open_later),
    };
    return all;
}

std::string quoted(const std::string& text) {
    return "'" + text + "'";
}

std::string insert_statement(const Message& m) {
    const bool final = m.how != How::open_due && m.how != How::open_later;
    const bool closed = m.how == How::window_end || m.how == How::late_callback;
    const bool reported = m.state != "submitted" && m.state != "expired";
    const std::string submitted = quoted(m.submitted_at + "+00") + "::timestamptz";
    const std::string closed_at = submitted + " + interval '7 days'";
    std::string state_at = "NULL";
    if (m.how == How::late_callback) {
        state_at = submitted + " + interval '8 days'";
    } else if (reported) {
        state_at = submitted +
                   (m.how == How::poll ? " + interval '10 minutes'" : " + interval '30 seconds'");
    }
    std::string source = "NULL";
    if (reported) {
        const bool zalo = m.kind.starts_with("zns");
        if (m.how != How::poll && m.how != How::window_end) {
            source = "'callback'";
        } else if (m.kind == "etelecom") {
            source = "'etelecom_get_message'";
        } else {
            source = zalo ? "'get_callback'" : "'get_send_status'";
        }
    }
    std::string final_at = "NULL";
    std::string resolved_by = "NULL";
    if (m.how == How::window_end) {
        final_at = closed_at;
        resolved_by = "'poll'";
    } else if (final) {
        final_at = state_at;
        resolved_by = m.how == How::poll ? "'poll'" : "'callback'";
    }
    std::string next_poll_at = "NULL";
    if (m.how == How::open_due) {
        next_poll_at = "'2000-01-01 00:00:00+00'";
    } else if (m.how == How::open_later) {
        next_poll_at = "'2999-01-01 00:00:00+00'";
    }
    const std::string provider = m.kind == "etelecom" ? "'etelecom'" : "'esms'";
    std::string type_id = "NULL";
    if (m.kind == "sms1") {
        type_id = "1";
    } else if (m.kind == "sms2") {
        type_id = "2";
    } else if (m.kind == "viber") {
        type_id = "23";
    } else if (m.kind == "zns24") {
        type_id = "24";
    } else if (m.kind == "zns25") {
        type_id = "25";
    }
    const bool zalo = m.kind.starts_with("zns") || m.kind == "etelecom";
    const std::string oa_id = zalo ? "'4000000000000000001'" : "NULL";
    const std::string partner_id = zalo && reported ? quoted("zalo-" + m.sms_id) : "NULL";
    return fmt::format(
        "INSERT INTO delivery_state (sms_id, provider, account, type_id, oa_id, partner_id, "
        "state, is_final, total_price, error_code, error_message, submitted_at, state_at, "
        "state_source, window_closed, window_closed_at, final_at, resolved_by, poll_attempts, "
        "next_poll_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, "
        "{}, {}, {}, {});\n",
        quoted(m.sms_id), provider, quoted(m.account), type_id, oa_id, partner_id, quoted(m.state),
        final ? "true" : "false", m.price, m.error_code,
        m.error_message.empty() ? "NULL" : quoted(m.error_message), submitted, state_at, source,
        closed ? "true" : "false", closed ? closed_at : "NULL", final_at, resolved_by,
        m.how == How::callback ? 0 : 3, next_poll_at);
}

// One migrated database with the hand-made rows, shared by the tests that
// only read it.
class DbaViews : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (testing::admin_url().empty()) {
            return;
        }
        db_ = std::make_unique<ScratchDatabase>();
        std::string sql;
        for (const auto& m : messages()) {
            sql += insert_statement(m);
        }
        db_->execute(sql);
    }
    static void TearDownTestSuite() { db_.reset(); }

    static const ScratchDatabase& db() { return *db_; }

  private:
    static inline std::unique_ptr<ScratchDatabase> db_;
};

TEST_F(DbaViews, DeliveryDayIsTheCalendarDayInVietnamWhateverTheSessionZone) {
    DELIVERYD_REQUIRE_DATABASE();
    const std::string sql =
        "SELECT delivery_day(t::timestamptz) FROM unnest(ARRAY['2026-03-01 16:59:59+00', "
        "'2026-03-01 17:00:00+00', '2026-02-28 17:00:00+00', '2026-03-01 23:30:00+07']) "
        "WITH ORDINALITY AS u(t, n) ORDER BY n";
    const Rows expected = {"2026-03-01", "2026-03-02", "2026-03-01", "2026-03-01"};
    EXPECT_EQ(rows_of(db(), sql), expected);
    EXPECT_EQ(rows_of(db(), sql, "America/New_York"), expected);
    EXPECT_EQ(rows_of(db(), sql, "Asia/Ho_Chi_Minh"), expected);
}

// delivery_day() adds UTC+7 from the day Vietnam settled on it; the indexes
// built while it asked the zone by name hold only if both give the same day
// for every time, the seconds around that switch included.
TEST_F(DbaViews, DeliveryDayGivesTheZoneRulesDayAtEveryTime) {
    DELIVERYD_REQUIRE_DATABASE();
    EXPECT_EQ(rows_of(db(), R"sql(
        SELECT count(*) FILTER (WHERE delivery_day(t) <> (t AT TIME ZONE 'Asia/Ho_Chi_Minh')::date),
               count(*)
        FROM (SELECT generate_series(timestamptz '1900-01-01 00:00:00+00',
                                     timestamptz '2100-01-01 00:00:00+00',
                                     interval '7 hours 13 minutes 7 seconds')
              UNION ALL
              SELECT timestamptz '1975-06-12 16:00:00+00' + s * interval '1 second'
              FROM generate_series(-3, 3) AS s
              UNION ALL
              SELECT timestamptz '1975-06-12 15:59:59.999999+00') AS u(t))sql"),
              (Rows{"0|242877"}));
}

TEST_F(DbaViews, DeliveryChannelFollowsTheTypeTheOaIdAndTheProvider) {
    DELIVERYD_REQUIRE_DATABASE();
    EXPECT_EQ(rows_of(db(), R"sql(
        SELECT delivery_channel(p, t, o) FROM (VALUES
            (1, 'esms', 2, NULL), (2, 'esms', 1, NULL), (3, 'esms', NULL, NULL),
            (4, 'esms', 23, NULL), (5, 'esms', 24, NULL), (6, 'esms', 27, NULL),
            (7, 'esms', 28, NULL), (8, 'esms', NULL, '4000'), (9, 'etelecom', NULL, NULL))
            AS v(n, p, t, o)
        ORDER BY n)sql"),
              (Rows{"sms", "sms", "sms", "viber", "zns", "zns", "sms", "zns", "zns"}));
}

TEST_F(DbaViews, SummaryCountsEveryDayAccountChannelAndState) {
    DELIVERYD_REQUIRE_DATABASE();
    EXPECT_EQ(rows_of(db(),
                      "SELECT day, account, channel, state, messages, final_messages, "
                      "total_price FROM delivery_summary_daily "
                      "ORDER BY day, account, channel, state"),
              (Rows{
                  "2026-02-28|default|sms|sent|1|1|800.0000",
                  "2026-03-01|default|sms|rejected|1|1|NULL",
                  "2026-03-01|default|sms|sent|2|2|1600.0000",
                  "2026-03-01|default|viber|sent|1|1|600.0000",
                  "2026-03-01|default|zns|delivered|2|2|500.0000",
                  "2026-03-01|default|zns|failed|3|3|NULL",
                  "2026-03-01|default|zns|sent|2|1|200.0000",
                  "2026-03-01|shop|sms|sent|1|1|800.0000",
                  "2026-03-01|shop|sms|waiting|1|0|NULL",
                  "2026-03-01|shop|zns|expired|1|1|NULL",
                  "2026-03-01|shop|zns|failed|1|1|NULL",
                  "2026-03-02|default|sms|sent|1|1|800.0000",
                  "2026-03-02|default|sms|submitted|1|0|NULL",
                  "2026-03-02|default|zns|delivered|1|1|200.0000",
                  "2026-03-02|default|zns|expired|1|1|NULL",
                  "2026-03-02|shop|viber|rejected|1|1|NULL",
                  "2026-03-03|shop|zns|submitted|1|0|NULL",
              }));
}

TEST_F(DbaViews, FilteringOnDayReturnsOnlyThatDay) {
    DELIVERYD_REQUIRE_DATABASE();
    // 1 March in Vietnam runs from 2026-02-28 17:00Z to 2026-03-01 16:59:59Z.
    EXPECT_EQ(rows_of(db(),
                      "SELECT day, sum(messages), sum(final_messages) "
                      "FROM delivery_summary_daily WHERE day = '2026-03-01' GROUP BY day"),
              (Rows{"2026-03-01|15|13"}));
    EXPECT_EQ(rows_of(db(),
                      "SELECT day, account, messages FROM delivery_resolution_source "
                      "WHERE day = '2026-03-02' ORDER BY account"),
              (Rows{"2026-03-02|default|4", "2026-03-02|shop|1"}));
    EXPECT_EQ(rows_of(db(),
                      "SELECT day, error_code, messages FROM delivery_provider_errors "
                      "WHERE day = '2026-03-02' ORDER BY error_code"),
              (Rows{"2026-03-02|104|1"}));
    // The seconds either side of midnight in Vietnam land on their own days.
    EXPECT_EQ(rows_of(db(),
                      "SELECT sms_id, delivery_day(submitted_at) FROM delivery_state "
                      "WHERE sms_id IN ('a-sms-0', 'a-viber-1', 'a-sms-1', 'a-sms-4') "
                      "ORDER BY submitted_at"),
              (Rows{"a-sms-0|2026-02-28", "a-viber-1|2026-03-01", "a-sms-1|2026-03-01",
                    "a-sms-4|2026-03-02"}));
}

TEST_F(DbaViews, UnresolvedListsOnlyOpenRowsWithAgeAndDue) {
    DELIVERYD_REQUIRE_DATABASE();
    EXPECT_EQ(rows_of(db(),
                      "SELECT sms_id, provider, account, channel, state, submitted_at, "
                      "next_poll_at, due, poll_attempts, partner_id, requeued_at "
                      "FROM delivery_unresolved ORDER BY submitted_at"),
              (Rows{
                  "a-zns-6|esms|default|zns|sent|2026-03-01 05:00:00+00|2000-01-01 "
                  "00:00:00+00|t|3|zalo-a-zns-6|NULL",
                  "b-sms-2|esms|shop|sms|waiting|2026-03-01 07:10:00+00|2999-01-01 "
                  "00:00:00+00|f|3|NULL|NULL",
                  "a-sms-5|esms|default|sms|submitted|2026-03-02 01:00:00+00|2000-01-01 "
                  "00:00:00+00|t|3|NULL|NULL",
                  "b-et-1|etelecom|shop|zns|submitted|2026-03-03 01:00:00+00|2999-01-01 "
                  "00:00:00+00|f|3|NULL|NULL",
              }));
    EXPECT_EQ(rows_of(db(),
                      "SELECT bool_and(age = now() - submitted_at), count(*) "
                      "FROM delivery_unresolved"),
              (Rows{"t|4"}));
    EXPECT_EQ(db().scalar("SELECT count(*) FROM delivery_state WHERE NOT is_final"), "4");
}

TEST_F(DbaViews, ResolutionSourceSplitsFinalRowsByCallbackPollAndWindowEnd) {
    DELIVERYD_REQUIRE_DATABASE();
    // 1 March, default: callbacks a-viber-1 a-sms-1 a-sms-3 a-zns-1 a-zns-3
    // a-zns-5; polls a-sms-2 a-zns-4 a-et-1; window a-zns-2; open a-zns-6.
    // 2 March, default: a-zns-8 expired first but a callback completed it
    // after the window ended, so it counts as a callback.
    EXPECT_EQ(rows_of(db(),
                      "SELECT day, account, messages, by_callback, by_poll, "
                      "by_window_end, unresolved, callback_share "
                      "FROM delivery_resolution_source ORDER BY day, account"),
              (Rows{
                  "2026-02-28|default|1|1|0|0|0|1.0000",
                  "2026-03-01|default|11|6|3|1|1|0.6000",
                  "2026-03-01|shop|4|2|0|1|1|0.6667",
                  "2026-03-02|default|4|2|0|1|1|0.6667",
                  "2026-03-02|shop|1|1|0|0|0|1.0000",
                  "2026-03-03|shop|1|0|0|0|1|NULL",
              }));
    // callback_share is by_callback over the final rows, and the three ways
    // of becoming final add up to them.
    EXPECT_EQ(rows_of(db(),
                      "SELECT count(*) FROM delivery_resolution_source "
                      "WHERE by_callback + by_poll + by_window_end <> messages - unresolved "
                      "OR callback_share IS DISTINCT FROM round(by_callback::numeric "
                      "/ nullif(messages - unresolved, 0), 4)"),
              (Rows{"0"}));
}

TEST_F(DbaViews, ProviderErrorsGroupByCodeAndMessage) {
    DELIVERYD_REQUIRE_DATABASE();
    EXPECT_EQ(rows_of(db(),
                      "SELECT day, account, channel, error_code, error_message, messages, "
                      "first_reported_at, last_reported_at FROM delivery_provider_errors "
                      "ORDER BY day, account, channel, error_code, error_message"),
              (Rows{
                  "2026-03-01|default|sms|104|Brandname is not registered|1|"
                  "2026-03-01 03:10:30+00|2026-03-01 03:10:30+00",
                  "2026-03-01|default|zns|-114|User is inactive|2|"
                  "2026-03-01 04:20:30+00|2026-03-01 04:40:00+00",
                  "2026-03-01|default|zns|-114|User is not eligible|1|"
                  "2026-03-01 04:40:30+00|2026-03-01 04:40:30+00",
                  "2026-03-01|shop|zns|-124|Access token is invalid|1|"
                  "2026-03-01 09:00:30+00|2026-03-01 09:00:30+00",
                  "2026-03-02|shop|viber|104|Brandname is not registered|1|"
                  "2026-03-02 04:00:30+00|2026-03-02 04:00:30+00",
              }));
    // Top codes over a day range, as docs/dba.md asks for them.
    EXPECT_EQ(rows_of(db(),
                      "SELECT error_code, error_message, sum(messages) AS messages "
                      "FROM delivery_provider_errors "
                      "WHERE day BETWEEN '2026-02-24' AND '2026-03-02' "
                      "GROUP BY error_code, error_message "
                      "ORDER BY messages DESC, error_code, error_message LIMIT 10"),
              (Rows{"-114|User is inactive|2", "104|Brandname is not registered|2",
                    "-124|Access token is invalid|1", "-114|User is not eligible|1"}));
}

// Known problems of sql/003_operations.sql, reported and not fixed here:
// enable these once the views are corrected.

// A rolled-back transaction's answer to `query` after `setup`.
Rows rows_after(const ScratchDatabase& db, const std::string& setup, const std::string& query) {
    pqxx::connection c(db.url());
    pqxx::work tx(c);  // never committed
    tx.exec(setup);
    return text_of(tx.exec(query));
}

// deliveryd (core::channel_of) ignores an empty OA id, and so must the views.
TEST_F(DbaViews, AnEmptyOaIdIsNotZns) {
    DELIVERYD_REQUIRE_DATABASE();
    EXPECT_EQ(rows_of(db(), "SELECT delivery_channel('esms', 2, '')"), (Rows{"sms"}));
}

// An open row that will not be polled (next_poll_at NULL) is not due (false,
// not NULL).
TEST_F(DbaViews, AnOpenRowWithoutNextPollIsNotDue) {
    DELIVERYD_REQUIRE_DATABASE();
    EXPECT_EQ(rows_after(db(),
                         "INSERT INTO delivery_state (sms_id, next_poll_at) "
                         "VALUES ('never-polled', NULL)",
                         "SELECT due FROM delivery_unresolved WHERE sms_id = 'never-polled'"),
              (Rows{"f"}));
}

// A row a callback made final exactly when its window closed (final_at =
// window_closed_at, resolved_by callback) counts in by_callback only, not
// also in by_window_end.
TEST_F(DbaViews, EveryFinalRowCountsOnce) {
    DELIVERYD_REQUIRE_DATABASE();
    EXPECT_EQ(rows_after(db(),
                         "INSERT INTO delivery_state (sms_id, state, is_final, state_at, "
                         "state_source, window_closed, window_closed_at, final_at, resolved_by, "
                         "submitted_at, next_poll_at) VALUES ('same-instant', 'sent', true, "
                         "'2026-01-08 00:00Z', 'callback', true, '2026-01-08 00:00Z', "
                         "'2026-01-08 00:00Z', 'callback', '2026-01-01 00:00Z', NULL)",
                         "SELECT by_callback, by_poll, by_window_end FROM "
                         "delivery_resolution_source WHERE day = '2026-01-01'"),
              (Rows{"1|0|0"}));
}

// The SQL of each "### heading" of docs/dba.md: its first ```sql block.
// Read from the document itself, so that what DBAs copy is what is tested.
std::map<std::string, std::string> documented_sql() {
    std::ifstream file(DELIVERYD_SOURCE_DIR "/docs/dba.md");
    std::map<std::string, std::string> queries;
    std::string line;
    std::string heading;
    std::string* sql = nullptr;
    while (std::getline(file, line)) {
        if (line.starts_with("### ")) {
            heading = line.substr(4);
        } else if (line == "```sql" && !heading.empty() && !queries.contains(heading)) {
            sql = &queries[heading];
        } else if (line == "```") {
            sql = nullptr;
        } else if (sql != nullptr) {
            *sql += line + "\n";
        }
    }
    return queries;
}

// The documented queries whose plans are checked, with the index each must read.
const std::pair<const char*, const char*> planned_queries[] = {
    {"Today's summary", "delivery_state_day"},
    {"Last 7 days by channel", "delivery_state_day"},
    {"Oldest 50 unresolved", "delivery_state_unresolved"},
    {"Callback reliability per account, last 30 days", "delivery_state_day"},
    {"Top 10 error codes, last 7 days", "delivery_state_errors"},
};

// 200,000 rows over the last 90 days: four accounts, every channel, 3%
// errors, the last week's rows partly open; then ANALYZE, as autovacuum
// would.
void fill(const ScratchDatabase& db, int rows) {
    db.execute(fmt::format(R"sql(
INSERT INTO delivery_state (sms_id, provider, account, type_id, oa_id, state, is_final,
                            error_code, error_message, submitted_at, state_at, final_at,
                            resolved_by, total_price, next_poll_at)
SELECT 'gen-' || i, CASE WHEN i % 10 = 9 THEN 'etelecom' ELSE 'esms' END,
       (ARRAY['default', 'shop', 'bank', 'default'])[1 + i % 4],
       (ARRAY[2, 2, 1, 23, 25, 25, 24, 2, 25, NULL])[1 + i % 10],
       CASE WHEN i % 10 IN (4, 5, 6, 8, 9) THEN '4000' END,
       CASE WHEN open THEN 'submitted' WHEN i % 33 = 0 THEN 'failed' ELSE 'sent' END,
       NOT open,
       CASE WHEN i % 33 = 0 THEN -100 - i % 40 END,
       CASE WHEN i % 33 = 0 THEN 'error ' || i % 40 END,
       at, at + interval '1 minute', CASE WHEN NOT open THEN at + interval '1 minute' END,
       CASE WHEN open THEN NULL WHEN i % 7 = 0 THEN 'poll' ELSE 'callback' END,
       200, CASE WHEN open THEN at + interval '10 minutes' END
FROM (SELECT i, now() - interval '90 days' * (1 - i::float8 / {0}) AS at FROM
      generate_series(1, {0}) AS i) AS g,
     LATERAL (SELECT at > now() - interval '7 days' AND i % 3 = 0 AS open) AS o;
ANALYZE delivery_state;
)sql",
                           rows));
}

TEST(DbaViewsPlans, DocumentedQueriesReadAnIndexNotTheTable) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db;
    fill(db, 200000);
    const auto documented = documented_sql();
    for (const auto& [name, index] : planned_queries) {
        ASSERT_TRUE(documented.contains(name)) << "docs/dba.md has no query under ### " << name;
        const auto& sql = documented.at(name);
        std::string plan;
        for (const auto& line : rows_of(db, "EXPLAIN " + sql)) {
            plan += line + "\n";
        }
        EXPECT_EQ(plan.find("Seq Scan on delivery_state"), std::string::npos) << name << ":\n"
                                                                              << plan;
        EXPECT_NE(plan.find(std::string(" ") + index + " "), std::string::npos)
            << name << " does not use " << index << ":\n"
            << plan;
        // And it runs, returning rows.
        EXPECT_FALSE(rows_of(db, sql).empty()) << name;
    }
}

// `deliveryd status` and the admin overview count the backlog by state and
// age from the unresolved rows' index alone, once VACUUM has marked the
// table's pages all-visible: at ten million rows a fetch of every unresolved
// row from the table took three times as long.
TEST(DbaViewsPlans, TheBacklogIsCountedFromTheUnresolvedIndexAlone) {
    DELIVERYD_REQUIRE_DATABASE();
    ScratchDatabase db;
    fill(db, 50000);
    db.execute("VACUUM delivery_state");
    std::string plan;
    for (const auto& line : rows_of(db, std::string("EXPLAIN ") + store::status_sql::unresolved)) {
        plan += line + "\n";
    }
    EXPECT_NE(plan.find("Index Only Scan using delivery_state_unresolved "), std::string::npos)
        << plan;
    EXPECT_FALSE(rows_of(db, store::status_sql::unresolved).empty());
}

}  // namespace
}  // namespace deliveryd
