#include "commands/cli_options.hpp"

#include <gtest/gtest.h>

namespace mpinmf {
namespace {

using Action = CommandLine::Action;

CommandLine parse(std::vector<std::string> arguments) { return parse_command_line(arguments); }

TEST(CommandLineParsing, ReadsTheDocumentedExample) {
  const CommandLine command = parse({"--input", "expr.h5", "--dataset", "/V", "--rank", "20",
                                     "--algorithm", "mu", "--output", "factors.h5"});
  ASSERT_EQ(command.action, Action::run) << command.message;
  EXPECT_EQ(command.options.input, "expr.h5");
  EXPECT_EQ(command.options.rank, 20);
  EXPECT_EQ(command.options.rule.algorithm, Algorithm::multiplicative);
  EXPECT_EQ(command.options.output, "factors.h5");
  EXPECT_FALSE(command.options.rule.learning_rate.has_value());
  EXPECT_NE(command.options.command_line.find("--rank 20"), std::string::npos);
}

TEST(CommandLineParsing, ReadsRuleAndStoppingOptions) {
  const CommandLine command = parse({"-i",
                                     "a.h5",
                                     "-o",
                                     "b.h5",
                                     "-k",
                                     "3",
                                     "-a",
                                     "pgd",
                                     "--lambda",
                                     "0.5",
                                     "--learning-rate",
                                     "0.001",
                                     "--max-iter",
                                     "77",
                                     "--tol",
                                     "0",
                                     "--time-limit",
                                     "60",
                                     "--seed",
                                     "12345678901",
                                     "--threads",
                                     "2",
                                     "--print-every",
                                     "0",
                                     "--alpha-W",
                                     "0.5",
                                     "--l1-ratio",
                                     "1",
                                     "--inner-sweeps",
                                     "3"});
  ASSERT_EQ(command.action, Action::run) << command.message;
  const RunOptions& o = command.options;
  EXPECT_EQ(o.rule.algorithm, Algorithm::projected_gradient);
  EXPECT_EQ(o.rule.lambda, 0.5);
  EXPECT_EQ(o.rule.learning_rate.value_or(0.0), 0.001);
  EXPECT_EQ(o.stopping.max_iterations, 77);
  EXPECT_EQ(o.stopping.tolerance, 0.0);
  EXPECT_EQ(o.stopping.time_limit_seconds, 60.0);
  EXPECT_EQ(o.seed, 12345678901ULL);
  EXPECT_EQ(o.threads, 2);
  EXPECT_EQ(o.print_every, 0);
  EXPECT_EQ(o.rule.alpha_W, 0.5);
  EXPECT_FALSE(o.rule.alpha_H.has_value());
  EXPECT_EQ(o.rule.l1_ratio, 1.0);
  EXPECT_EQ(o.rule.inner_sweeps, 3);
  EXPECT_EQ(parse({"-i", "a", "-o", "b", "-k", "2", "-a", "hals", "--alpha-H", "0.1"})
                .options.rule.alpha_H.value_or(-1.0),
            0.1);
}

TEST(CommandLineParsing, HelpExplainsEveryGroup) {
  const CommandLine command = parse({"--help"});
  EXPECT_EQ(command.action, Action::help);
  for (const char* text : {"Input and output", "Model", "Start", "Stopping", "Running", "--rank",
                           "--algorithm", "--init-file", "Exit status"}) {
    EXPECT_NE(command.message.find(text), std::string::npos) << text;
  }
}

TEST(CommandLineParsing, ResourceCheckIsOnUnlessSkipped) {
  EXPECT_FALSE(parse({"-i", "a.h5", "-o", "b.h5", "-k", "2"}).options.skip_resource_check);
  const CommandLine command =
      parse({"-i", "a.h5", "-o", "b.h5", "-k", "2", "--skip-resource-check"});
  ASSERT_EQ(command.action, Action::run) << command.message;
  EXPECT_TRUE(command.options.skip_resource_check);
  EXPECT_NE(parse({"--help"}).message.find("--skip-resource-check"), std::string::npos);
}

TEST(CommandLineParsing, UsageErrorsSayWhatIsWrong) {
  struct Case {
    std::vector<std::string> arguments;
    const char* expected;
  };
  const std::vector<Case> cases{
      {{"-o", "b.h5", "-k", "2"}, "--input is required"},
      {{"-i", "a.h5", "-k", "2"}, "--output is required"},
      {{"-i", "a.h5", "-o", "b.h5"}, "--rank must be at least 1"},
      {{"-i", "a.h5", "-o", "b.h5", "-k", "0"}, "--rank must be at least 1"},
      {{"-i", "a.h5", "-o", "b.h5", "-k", "2", "--bogus"}, "unrecognised option '--bogus'"},
      {{"-i", "a.h5", "-o", "b.h5", "-k", "two"}, "rank"},
      {{"-i", "a.h5", "-o", "b.h5", "-k", "2", "-a", "als"}, "unknown rule 'als'"},
      {{"-i", "a.h5", "-o", "b.h5", "-k", "2", "--delta", "0"}, "--delta must be a positive"},
      {{"-i", "a.h5", "-o", "b.h5", "-k", "2", "--lambda", "-1"}, "--lambda must be 0 or more"},
      {{"-i", "a.h5", "-o", "a.h5", "-k", "2"}, "--output must differ"},
      {{"-i", "a.h5", "-o", "b.h5", "-k", "2", "--l1-ratio", "1.5"}, "--l1-ratio must be between"},
      {{"-i", "a.h5", "-o", "b.h5", "-k", "2", "--alpha-W", "-1"}, "--alpha-W must be 0 or more"},
  };
  for (const Case& c : cases) {
    const CommandLine command = parse(c.arguments);
    EXPECT_EQ(command.action, Action::usage_error) << c.expected;
    EXPECT_NE(command.message.find(c.expected), std::string::npos)
        << "expected '" << c.expected << "' in: " << command.message;
  }
}

// Boost.Program_options substitutes %placeholders% in its messages until none is left; these
// arguments, each holding one, made the message loop forever (found by fuzzing).
TEST(CommandLineParsing, ReportsArgumentsThatLookLikeMessagePlaceholders) {
  const std::vector<std::vector<std::string>> cases = {
      {"--seed", "%value%"}, {"--x%original_token%"}, {"--bogus%canonical_option%"}};
  for (const auto& arguments : cases) {
    const CommandLine command = parse(arguments);
    EXPECT_EQ(command.action, Action::usage_error) << arguments.back();
    EXPECT_NE(command.message.find("\\%"), std::string::npos) << command.message;
  }
  EXPECT_NE(parse({"--seed", "%value%"}).message.find("'\\%value\\%'"), std::string::npos);
  // A lone '%' cannot enclose a placeholder and is shown as typed.
  EXPECT_NE(parse({"--seed", "5%"}).message.find("('5%')"), std::string::npos);
}

}  // namespace
}  // namespace mpinmf
