// find_unpolled_rows: unresolved rows of scopes the configuration does not
// poll, found through the claim indexes, counted up to the cap.
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "deliveryd/store/connection_pool.hpp"
#include "deliveryd/store/unpolled_rows.hpp"

#include "store/unpolled_rows_sql.hpp"
#include "support/query_plan.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd::store {
namespace {

using Kind = PollScope::Kind;

struct UnpolledRowsTest : ::testing::Test {
    void SetUp() override {
        if (testing::admin_url().empty()) {
            GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)";
        }
        db = std::make_unique<testing::ScratchDatabase>();
        pool = std::make_unique<ConnectionPool>(PoolOptions{.url = db->url(), .size = 1});
        db->execute(R"sql(
            INSERT INTO delivery_state
              (sms_id, provider, account, state, is_final, partner_id) VALUES
              ('a-1', 'esms', 'acme', 'submitted', false, NULL),
              ('b-1', 'esms', 'beta', 'waiting', false, NULL),
              ('b-2', 'esms', 'beta', 'delivered', true, NULL),
              -- only in the GetZaloMessageStatus lane (a ZNS accepted by Zalo)
              ('z-1', 'esms', 'zeta', 'sent', false, 'partner-1'),
              ('z-2', 'esms', 'zeta', 'sent', false, 'partner-2'),
              -- final rows never count, whatever their account
              ('f-1', 'esms', 'final-only', 'failed', true, NULL),
              ('e-1', 'etelecom', 'default', 'submitted', false, NULL);
        )sql");
    }

    std::unique_ptr<testing::ScratchDatabase> db;
    std::unique_ptr<ConnectionPool> pool;
};

std::string listed(const std::vector<UnpolledRows>& found) {
    std::string text;
    for (const auto& f : found) {
        text += f.scope + "=" + std::to_string(f.rows) + " ";
    }
    return text;
}

TEST_F(UnpolledRowsTest, ListsEveryScopeWithUnresolvedRowsThatIsNotPolled) {
    EXPECT_EQ(listed(find_unpolled_rows(*pool, {})),
              "esms/acme=1 esms/beta=1 esms/zeta=2 etelecom=1 ");
}

TEST_F(UnpolledRowsTest, LeavesOutThePolledScopes) {
    const std::vector<PollScope> polled{{.kind = Kind::esms_account, .account = "acme"},
                                        {.kind = Kind::esms_account, .account = "zeta"},
                                        {.kind = Kind::etelecom, .account = {}}};
    EXPECT_EQ(listed(find_unpolled_rows(*pool, polled)), "esms/beta=1 ");
    db->execute("UPDATE delivery_state SET is_final = true, state = 'delivered'");
    EXPECT_EQ(listed(find_unpolled_rows(*pool, {})), "") << "nothing unresolved, nothing listed";
}

TEST_F(UnpolledRowsTest, LeavesOutScopesAnotherReplicaPolls) {
    // Another replica, configured for "beta", holds its scope's lock (as
    // store/scope_locks.cpp takes it); one configured for "zeta" reported a
    // moment ago; one that polled eTelecom went quiet ten minutes ago.
    pqxx::connection other(db->url());
    pqxx::nontransaction lock(other);
    lock.exec("SELECT pg_advisory_lock(hashtextextended('deliveryd.poll/esms/beta', 0))");
    db->execute(R"sql(
        INSERT INTO deliveryd_poll_activity
          (account, endpoint, scope, replica, rate_limit, utilisation, queued_calls, updated_at)
        VALUES ('zeta', 'zalo_status', 'esms/zeta', 'pod-2/7', 30, 0.5, 0, now()),
               ('etelecom', 'etelecom_get_message', 'etelecom', 'pod-3/9', 10, 0, 0,
                now() - interval '10 minutes');
    )sql");
    EXPECT_EQ(listed(find_unpolled_rows(*pool, {})), "esms/acme=1 etelecom=1 ");
    lock.exec("SELECT pg_advisory_unlock_all()");
    EXPECT_EQ(listed(find_unpolled_rows(*pool, {})), "esms/acme=1 esms/beta=1 etelecom=1 ");
}

TEST_F(UnpolledRowsTest, FindsAccountsThroughTheIndexesNotByScanningTheTable) {
    // A large backlog of another account: counting the few rows of "acme"
    // must not read through it.
    db->execute(R"sql(
        INSERT INTO delivery_state (sms_id, provider, account, state, is_final)
        SELECT 'bulk-' || i, 'esms', 'big', 'submitted', false
        FROM generate_series(1, 50000) AS i;
        ANALYZE delivery_state;
    )sql");
    // The plans of the account search and of an account's count: every
    // access to delivery_state goes through a claim index.
    pqxx::connection c(db->url());
    for (const auto& plan :
         {testing::query_plan(c, unpolled_rows_sql::esms_accounts, "'{}'"),
          testing::query_plan(c, unpolled_rows_sql::esms_rows, "'{acme}', 1000000")}) {
        EXPECT_EQ(plan.find("Seq Scan on delivery_state"), std::string::npos) << plan;
        EXPECT_EQ(plan.find("delivery_state_unresolved"), std::string::npos) << plan;
        EXPECT_NE(plan.find("delivery_state_due "), std::string::npos) << plan;
        EXPECT_NE(plan.find("delivery_state_due_zalo "), std::string::npos) << plan;
    }
    EXPECT_EQ(listed(find_unpolled_rows(*pool, {})),
              "esms/acme=1 esms/beta=1 esms/big=10000 esms/zeta=2 etelecom=1 ")
        << "counted up to the cap";
}

}  // namespace
}  // namespace deliveryd::store
