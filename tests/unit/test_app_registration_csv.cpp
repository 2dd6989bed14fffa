// read_registrations: the CSV of `deliveryd import`, its columns and the
// problems it names (line and column) before anything is imported.
#include <gtest/gtest.h>

#include "deliveryd/app/registration_csv.hpp"

namespace deliveryd::app {
namespace {

std::string problem(std::string_view csv) {
    try {
        (void)read_registrations(csv);
    } catch (const RegistrationError& e) {
        return e.what();
    }
    return "accepted";
}

TEST(RegistrationCsv, ReadsKnownColumnsInAnyOrder) {
    const auto messages = read_registrations(
        "phone, sms_id ,type_id,submitted_at,provider\n"
        "0901,id-1,25,2026-11-20T08:30:00+07:00,etelecom\n"
        ",id-2,,,\n");
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[0].sms_id, "id-1");
    EXPECT_EQ(messages[0].phone, "0901");
    EXPECT_EQ(messages[0].type_id, 25);
    EXPECT_EQ(messages[0].provider, "etelecom");
    ASSERT_TRUE(messages[0].submitted_at);
    EXPECT_EQ(messages[0].submitted_at->time_since_epoch(), std::chrono::seconds(1'795'138'200));
    EXPECT_EQ(messages[1].sms_id, "id-2");
    EXPECT_FALSE(messages[1].phone) << "an empty field takes the column default";
    EXPECT_FALSE(messages[1].type_id);
    EXPECT_FALSE(messages[1].account);
}

TEST(RegistrationCsv, EveryBadRowIsReportedUpToACap) {
    EXPECT_EQ(problem("sms_id,type_id\nok-1,2\nbad id,2\nok-2,x\nok-3,25\n"),
              "line 3: column sms_id: contains a space\n"
              "line 4: column type_id: not a whole number from 0");
    std::string many = "sms_id,type_id\n";
    for (int i = 0; i < 25; ++i) {
        many += "id-" + std::to_string(i) + ",x\n";
    }
    const auto text = problem(many);
    EXPECT_NE(text.find("line 21: column type_id"), std::string::npos) << text;
    EXPECT_EQ(text.find("line 22: column type_id"), std::string::npos) << text;
    EXPECT_NE(text.find("... and 5 more rows with problems"), std::string::npos) << text;
}

TEST(RegistrationCsv, ScheduledAtIsOptional) {
    const auto messages =
        read_registrations("sms_id,scheduled_at\nid-1,2026-12-24T08:00:00+07:00\nid-2,\n");
    ASSERT_EQ(messages.size(), 2u);
    ASSERT_TRUE(messages[0].scheduled_at);
    EXPECT_EQ(messages[0].scheduled_at->time_since_epoch(), std::chrono::seconds(1'798'074'000));
    EXPECT_FALSE(messages[1].scheduled_at);
    EXPECT_EQ(problem("sms_id,scheduled_at\nok,tomorrow\n"),
              "line 2: column scheduled_at: not an RFC 3339 time with a zone (e.g. "
              "2026-11-20T08:30:00+07:00)");
}

TEST(RegistrationCsv, NamesTheLineAndColumnOfEachProblem) {
    EXPECT_EQ(problem(""), "line 1: no header row (the first row names the columns)");
    EXPECT_EQ(problem("phone\n0901\n"), "line 1: column sms_id: missing (it is required)");
    EXPECT_EQ(problem("sms_id,sms_id\n"), "line 1: column sms_id: named twice");
    EXPECT_NE(problem("sms_id,colour\n").find("line 1: column colour: unknown column (known: "),
              std::string::npos);
    EXPECT_EQ(problem("sms_id\nok\n\"a;b\"\n"), "line 3: column sms_id: contains a semicolon");
    EXPECT_EQ(problem("sms_id,phone\nok\n"), "line 2: 1 fields, the header has 2");
    EXPECT_EQ(problem("sms_id\n\"\"\n"), "line 2: column sms_id: empty");
    EXPECT_EQ(problem("sms_id,type_id\nok,2x\n"),
              "line 2: column type_id: not a whole number from 0");
    EXPECT_EQ(problem("sms_id,provider\nok,vnpt\n"),
              "line 2: column provider: must be esms or etelecom");
    EXPECT_EQ(problem("sms_id,submitted_at\nok,2026-11-20 08:30\n"),
              "line 2: column submitted_at: not an RFC 3339 time with a zone (e.g. "
              "2026-11-20T08:30:00+07:00)");
    EXPECT_EQ(problem("sms_id,phone\nok,\"\xff\"\n"), "line 2: column phone: not valid UTF-8");
    EXPECT_EQ(problem("sms_id\n\"open\n"), "line 2: a quoted field is not closed");
}

}  // namespace
}  // namespace deliveryd::app
