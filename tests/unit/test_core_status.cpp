#include <gtest/gtest.h>

#include "deliveryd/core/status.hpp"

namespace deliveryd::core {
namespace {

TEST(CoreStatus, StateLabelsRoundTrip) {
    for (const auto label :
         {StateLabel::submitted, StateLabel::pending_approval, StateLabel::waiting,
          StateLabel::sent_to_telco, StateLabel::sent, StateLabel::delivered, StateLabel::failed,
          StateLabel::rejected, StateLabel::expired}) {
        EXPECT_EQ(parse_state_label(to_string(label)), label);
    }
    EXPECT_EQ(to_string(StateLabel::sent_to_telco), "sent_to_telco");
    EXPECT_EQ(to_string(StateLabel::pending_approval), "pending_approval");
}

TEST(CoreStatus, SourcesProvidersResolversRoundTrip) {
    for (const auto source : {Source::callback, Source::get_callback, Source::get_send_status,
                              Source::zalo_status, Source::etelecom_get_message}) {
        EXPECT_EQ(parse_source(to_string(source)), source);
    }
    EXPECT_EQ(to_string(Source::etelecom_get_message), "etelecom_get_message");
    EXPECT_EQ(parse_provider("esms"), Provider::esms);
    EXPECT_EQ(parse_provider("etelecom"), Provider::etelecom);
    EXPECT_EQ(to_string(Provider::etelecom), "etelecom");
    EXPECT_EQ(parse_resolver("callback"), Resolver::callback);
    EXPECT_EQ(parse_resolver("poll"), Resolver::poll);
    EXPECT_EQ(to_string(Resolver::poll), "poll");
}

TEST(CoreStatus, ParseIsExact) {
    EXPECT_EQ(parse_state_label("Sent"), std::nullopt);
    EXPECT_EQ(parse_state_label(" sent"), std::nullopt);
    EXPECT_EQ(parse_state_label(""), std::nullopt);
    EXPECT_EQ(parse_source("poll"), std::nullopt);
    EXPECT_EQ(parse_provider("ESMS"), std::nullopt);
    EXPECT_EQ(parse_resolver("get_callback"), std::nullopt);
}

}  // namespace
}  // namespace deliveryd::core
