// parse_args: the options of the operator's commands.
#include <gtest/gtest.h>

#include "app/cli_args.hpp"

namespace deliveryd::app {
namespace {

constexpr OptionSpec options[] = {
    {"--config"}, {"--state", true, true}, {"--since"}, {"--dry-run", false}};

ParsedArgs parse(std::vector<std::string_view> args) {
    return parse_args(args, options);
}

TEST(CliArgs, ValuesFlagsAndRepeats) {
    const auto args =
        parse({"--config", "c.yaml", "--state=expired", "--state", "failed", "--dry-run"});
    EXPECT_EQ(args.value("--config"), "c.yaml");
    EXPECT_EQ(args.values("--state"), (std::vector<std::string>{"expired", "failed"}));
    EXPECT_TRUE(args.has("--dry-run"));
    EXPECT_FALSE(args.has("--since"));
    EXPECT_FALSE(args.value("--since"));
    EXPECT_FALSE(args.help);
    EXPECT_TRUE(parse({"--since", "2d", "-h"}).help);
    EXPECT_TRUE(parse({"--colour", "--help"}).help) << "--help wins over a mistake";
}

TEST(CliArgs, RefusesWhatTheCommandDoesNotTake) {
    EXPECT_THROW((void)parse({"--colour", "red"}), UsageError);
    EXPECT_THROW((void)parse({"stray"}), UsageError);
    EXPECT_THROW((void)parse({"--since"}), UsageError) << "a value is missing";
    EXPECT_THROW((void)parse({"--since", "1d", "--since", "2d"}), UsageError);
    EXPECT_THROW((void)parse({"--dry-run=yes"}), UsageError);
}

}  // namespace
}  // namespace deliveryd::app
