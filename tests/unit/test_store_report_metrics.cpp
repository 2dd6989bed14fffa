// ReportMetrics: the series that applied reports produce, and the bound on
// the error-code label.
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "deliveryd/store/report_metrics.hpp"

namespace deliveryd::store {
namespace {

std::string scrape(prometheus::Registry& registry) {
    return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST(ReportMetrics, CountsStatesEnteredAndErrorCodes) {
    prometheus::Registry registry;
    ReportMetrics metrics(registry);

    core::Observation failed;
    failed.sms_id = "a";
    failed.source = core::Source::zalo_status;
    failed.error_code = -114;
    core::Observation sent;
    sent.sms_id = "b";
    ApplyResult result;
    result.entered = {core::StateLabel::failed, core::StateLabel::sent};
    metrics.applied(std::vector{failed, sent}, result, ReportPath::poll);
    ApplyResult closed;
    closed.entered = {core::StateLabel::expired};
    metrics.applied({}, closed, ReportPath::window);

    const auto text = scrape(registry);
    EXPECT_NE(text.find(R"(deliveryd_state_entered_total{state="failed",via="poll"} 1)"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(R"(deliveryd_state_entered_total{state="sent",via="poll"} 1)"),
              std::string::npos);
    EXPECT_NE(text.find(R"(deliveryd_state_entered_total{state="expired",via="window"} 1)"),
              std::string::npos);
    EXPECT_NE(text.find(R"(deliveryd_provider_errors_total{code="-114",source="zalo_status"} 1)"),
              std::string::npos)
        << text;
}

TEST(ReportMetrics, ErrorCodeLabelsAreBounded) {
    EXPECT_EQ(error_code_label(-114), "-114");
    EXPECT_EQ(error_code_label(854), "854");
    EXPECT_EQ(error_code_label(-1'000), "-1000");
    EXPECT_EQ(error_code_label(1'001), "other");
    EXPECT_EQ(error_code_label(-2'000'000'000), "other");
}

}  // namespace
}  // namespace deliveryd::store
