// deliveryd status's counts by state against a real database: exact up to
// a size, estimated from ANALYZE's statistics above it, with the
// unresolved rows counted exactly either way.
#include <gtest/gtest.h>

#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/operator_queries.hpp"

#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

TEST(StatusCounts, EstimatesAboveTheLimitAgreeWithExactCountsWhenTheSampleIsTheTable) {
    DELIVERYD_REQUIRE_DATABASE();
    testing::ScratchDatabase db;
    db.execute(R"sql(
        INSERT INTO delivery_state (sms_id, state, is_final)
        SELECT 'st-' || i,
               CASE WHEN i <= 700 THEN 'delivered' WHEN i <= 900 THEN 'failed'
                    WHEN i <= 990 THEN 'submitted' ELSE 'sent' END,
               i <= 900
        FROM generate_series(1, 1000) AS i;
        ANALYZE delivery_state;
    )sql");
    store::ConnectionPool pool({.url = db.url(), .size = 1});
    const auto exact = store::read_status(pool, {});
    EXPECT_FALSE(exact.states_estimated_from);
    const auto estimated = store::read_status(pool, {}, 500);
    ASSERT_TRUE(estimated.states_estimated_from);
    EXPECT_NE(*estimated.states_estimated_from, "never");

    const auto text = [](const store::StatusReport& report) {
        std::string out;
        for (const auto& s : report.states) {
            out += s.state + " " + std::to_string(s.messages) + " " +
                   std::to_string(s.final_messages) + "; ";
        }
        return out;
    };
    EXPECT_EQ(text(exact), "delivered 700 700; failed 200 200; submitted 90 0; sent 10 0; ");
    EXPECT_EQ(text(estimated), text(exact)) << "ANALYZE sampled every row of so small a table";

    // Rows that went unresolved since ANALYZE are counted exactly.
    db.execute("UPDATE delivery_state SET is_final = false WHERE sms_id IN ('st-1', 'st-2')");
    const auto later = store::read_status(pool, {}, 500);
    EXPECT_EQ(text(later), "delivered 700 698; failed 200 200; submitted 90 0; sent 10 0; ");
}

}  // namespace
}  // namespace deliveryd
