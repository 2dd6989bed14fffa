// deliveryd erase run as the real binary against a real database: a phone
// number (in any of its forms) or a Zalo user id leaves the state and the
// reports, columns and raw payloads alike; everything else stays.
#include <gtest/gtest.h>

#include "support/child_process.hpp"
#include "support/daemon.hpp"
#include "support/scratch_database.hpp"

namespace deliveryd {
namespace {

using namespace std::chrono_literals;

struct EraseCommand : ::testing::Test {
    void SetUp() override {
        if (testing::admin_url().empty()) {
            GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)";
        }
        db = std::make_unique<testing::ScratchDatabase>();
        config = testing::write_temp_file(testing::daemon_config(db->url()), ".yaml");
        db->execute(R"sql(
            INSERT INTO delivery_state (sms_id, phone, zalo_user_id, state) VALUES
                ('e-1', '0912345678', NULL, 'delivered'),
                ('e-2', '84912345678', NULL, 'failed'),
                ('e-3', '0900000000', NULL, 'delivered'),
                ('e-4', NULL, '5843210987654321', 'delivered');
            INSERT INTO delivery_event
                (sms_id, source, received_at, observed_at, state, phone, zalo_user_id, raw_payload)
            VALUES
                ('e-1', 'callback', now(), now(), 'delivered', '+84912345678', NULL,
                 'SMSID=e-1&phonenumber=%2B84912345678&SendStatus=5'),
                ('e-2', 'get_send_status', now(), now(), 'failed', NULL, NULL,
                 '{"SMSID":"e-2","Phone":"84912345678","SendStatus":4}'),
                ('e-3', 'callback', now(), now(), 'delivered', '0900000000', NULL,
                 'SMSID=e-3&phonenumber=0900000000'),
                ('x-9', 'callback', now(), now(), 'sent', '0912345678', NULL,
                 'SMSID=x-9&phonenumber=0912345678'),
                ('e-4', 'callback', now(), now(), 'delivered', NULL, '5843210987654321',
                 'SMSID=e-4&phonenumber=5843210987654321');
        )sql");
    }

    testing::Completed deliveryd(std::vector<std::string> args) const {
        args.insert(args.begin() + 1, {"--config", config});
        return testing::run_process(DELIVERYD_BINARY, args, 60s);
    }

    std::unique_ptr<testing::ScratchDatabase> db;
    std::string config;
};

constexpr const char* everything =
    "SELECT string_agg(concat_ws(' ', sms_id, phone, zalo_user_id), '; ' ORDER BY sms_id) "
    "FROM delivery_state";
constexpr const char* every_payload =
    "SELECT string_agg(concat_ws(' ', sms_id, phone, zalo_user_id, raw_payload), '; ' "
    "ORDER BY sms_id) FROM delivery_event";

TEST_F(EraseCommand, APhoneNumberLeavesStateAndReportsInEveryForm) {
    const auto state_before = db->scalar(everything);
    const auto events_before = db->scalar(every_payload);
    const auto dry = deliveryd({"erase", "--phone", "+84912345678", "--dry-run"});
    EXPECT_EQ(dry.exit_code, 0) << dry.output;
    EXPECT_NE(dry.output.find("would erase the phone number from 2 messages and 3 reports"),
              std::string::npos)
        << dry.output;
    EXPECT_EQ(db->scalar(everything), state_before);
    EXPECT_EQ(db->scalar(every_payload), events_before);

    const auto run = deliveryd({"erase", "--phone", "0912345678"});
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("erased the phone number from 2 messages and 3 reports"),
              std::string::npos)
        << run.output;
    EXPECT_NE(run.output.find("on request"), std::string::npos) << "the run is logged";
    EXPECT_EQ(run.output.find("912345678"), std::string::npos) << "nor printed nor logged";

    EXPECT_EQ(db->scalar(everything), "e-1; e-2; e-3 0900000000; e-4 5843210987654321")
        << "the rows stay, without the number; other numbers stay";
    EXPECT_EQ(db->scalar(every_payload),
              "e-1 SMSID=e-1&phonenumber=[erased]&SendStatus=5; "
              "e-2 {\"SMSID\":\"e-2\",\"Phone\":\"[erased]\",\"SendStatus\":4}; "
              "e-3 0900000000 SMSID=e-3&phonenumber=0900000000; "
              "e-4 5843210987654321 SMSID=e-4&phonenumber=5843210987654321; "
              "x-9 SMSID=x-9&phonenumber=[erased]");
    EXPECT_EQ(db->scalar("SELECT string_agg(state, ',' ORDER BY sms_id) FROM delivery_state"),
              "delivered,failed,delivered,delivered")
        << "statuses are not personal data";

    const auto again = deliveryd({"erase", "--phone", "84912345678"});
    EXPECT_EQ(again.exit_code, 0) << again.output;
    EXPECT_NE(again.output.find("from 0 messages and 0 reports"), std::string::npos)
        << again.output;
}

TEST_F(EraseCommand, ArchivedMessagesLoseTheNumberToo) {
    db->execute(R"sql(
        INSERT INTO delivery_state (sms_id, phone, state, is_final, final_at, submitted_at)
        VALUES ('a-1', '+84912345678', 'delivered', true, now() - interval '100 days',
                now() - interval '101 days');
        SELECT delivery_state_archive_batch(now() - interval '90 days', 10);
    )sql");
    ASSERT_EQ(db->scalar("SELECT count(*) FROM delivery_state_archive"), "1");
    const auto run = deliveryd({"erase", "--phone", "0912345678"});
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("from 3 messages"), std::string::npos) << run.output;
    EXPECT_EQ(db->scalar("SELECT concat_ws(' ', sms_id, phone) FROM delivery_state_archive"),
              "a-1");
}

TEST_F(EraseCommand, AZaloUserIdLeavesStateAndReports) {
    const auto run = deliveryd({"erase", "--zalo-user-id", "5843210987654321"});
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("erased the Zalo user id from 1 messages and 1 reports"),
              std::string::npos)
        << run.output;
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE zalo_user_id IS NOT NULL"),
              "0");
    EXPECT_EQ(db->scalar("SELECT raw_payload FROM delivery_event WHERE sms_id = 'e-4'"),
              "SMSID=e-4&phonenumber=[erased]");
    EXPECT_EQ(db->scalar("SELECT phone FROM delivery_state WHERE sms_id = 'e-1'"), "0912345678");
}

TEST_F(EraseCommand, ExactlyOneKeyIsRequired) {
    EXPECT_EQ(deliveryd({"erase"}).exit_code, 2);
    EXPECT_EQ(deliveryd({"erase", "--phone", "0912345678", "--zalo-user-id", "1"}).exit_code, 2);
    EXPECT_EQ(deliveryd({"erase", "--phone", ""}).exit_code, 2);
    EXPECT_EQ(db->scalar("SELECT count(*) FROM delivery_state WHERE phone IS NULL"), "1");
}

}  // namespace
}  // namespace deliveryd
