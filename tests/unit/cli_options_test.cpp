#include "commands/cli_options.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <variant>

namespace mpinmf {
namespace {

using Action = CommandLine::Action;

CommandLine parse(std::vector<std::string> arguments) { return parse_command_line(arguments); }

/// The main command's settings (RunOptions) from a command line.
RunOptions run_options(std::vector<std::string> arguments) {
  return std::get<RunOptions>(parse(std::move(arguments)).settings);
}

TEST(CommandLineParsing, ReadsTheDocumentedExample) {
  const CommandLine command = parse({"--input", "expr.h5", "--dataset", "/V", "--rank", "20",
                                     "--algorithm", "mu", "--output", "factors.h5"});
  ASSERT_EQ(command.action, Action::run) << command.message;
  const auto& o = std::get<RunOptions>(command.settings);
  EXPECT_EQ(o.input, "expr.h5");
  EXPECT_EQ(o.rank, 20);
  EXPECT_EQ(o.rule.algorithm, Algorithm::multiplicative);
  EXPECT_EQ(o.output, "factors.h5");
  EXPECT_FALSE(o.rule.learning_rate.has_value());
  EXPECT_NE(o.command_line.find("--rank 20"), std::string::npos);
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
  const auto& o = std::get<RunOptions>(command.settings);
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
  EXPECT_EQ(run_options({"-i", "a", "-o", "b", "-k", "2", "-a", "hals", "--alpha-H", "0.1"})
                .rule.alpha_H.value_or(-1.0),
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
  EXPECT_FALSE(run_options({"-i", "a.h5", "-o", "b.h5", "-k", "2"}).skip_resource_check);
  const CommandLine command =
      parse({"-i", "a.h5", "-o", "b.h5", "-k", "2", "--skip-resource-check"});
  ASSERT_EQ(command.action, Action::run) << command.message;
  EXPECT_TRUE(std::get<RunOptions>(command.settings).skip_resource_check);
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

TEST(CommandLineParsing, TheMainHelpListsEverySubcommandOfTheTable) {
  const std::string help = parse({"--help"}).message;
  // One row per subcommand, one settings type per row and the main command's.
  ASSERT_EQ(subcommands().size() + 1, std::variant_size_v<CommandSettings>);
  for (const Subcommand& subcommand : subcommands()) {
    const std::string line =
        std::string(subcommand.summary) + ": mpinmf " + subcommand.name + " --help\n";
    EXPECT_NE(help.find(line), std::string::npos) << line;
    const CommandLine command = parse({subcommand.name, "--help"});
    EXPECT_EQ(command.action, Action::help) << subcommand.name;
    EXPECT_NE(command.message.find(std::string("mpinmf ") + subcommand.name), std::string::npos)
        << subcommand.name;
  }
}

TEST(CommandLineParsing, EverySubcommandSelectsItsSettingsAndRecordsItsCommandLine) {
  const CommandLine project = parse({"project", "-m", "model.h5", "-i", "v.h5ad", "-o", "h.h5",
                                     "--format", "h5ad", "--transpose", "--alpha-H", "0.5"});
  ASSERT_EQ(project.action, Action::run) << project.message;
  const auto& p = std::get<ProjectOptions>(project.settings);
  EXPECT_EQ(p.format, InputFormat::h5ad);
  EXPECT_TRUE(p.transpose);
  EXPECT_EQ(p.rule.alpha_H.value_or(-1.0), 0.5);
  EXPECT_EQ(p.command_line,
            "mpinmf project -m model.h5 -i v.h5ad -o h.h5 --format h5ad "
            "--transpose --alpha-H 0.5");
  const CommandLine convert = parse({"convert", "-i", "a.mtx", "-o", "b.h5", "--layout", "dense"});
  ASSERT_EQ(convert.action, Action::run) << convert.message;
  EXPECT_EQ(std::get<ConvertOptions>(convert.settings).layout, OutputLayout::dense);
  const CommandLine generate = parse({"generate", "-m", "10", "-n", "5", "-k", "2", "-o", "v.h5"});
  ASSERT_EQ(generate.action, Action::run) << generate.message;
  EXPECT_EQ(std::get<GenerateOptions>(generate.settings).clusters, 2);
  EXPECT_EQ(parse({"convert", "--precision", "single"}).action, Action::usage_error);
}

TEST(CommandLineParsing, SurveyTakesEveryRuleOptionOfTheMainCommand) {
  const CommandLine command = parse({"survey",   "-i",
                                     "v.h5",     "-o",
                                     "s.h5",     "--ranks",
                                     "2:4",      "--lambda",
                                     "0.5",      "--alpha-W",
                                     "0.1",      "--alpha-H",
                                     "0.2",      "--l1-ratio",
                                     "0.3",      "--inner-sweeps",
                                     "2",        "--learning-rate",
                                     "0.01",     "--delta",
                                     "0.001",    "--init",
                                     "nndsvdar", "--pg-tol",
                                     "1e-4",     "--precision",
                                     "single"});
  ASSERT_EQ(command.action, Action::run) << command.message;
  const auto& o = std::get<SurveyOptions>(command.settings);
  EXPECT_EQ(o.rule.algorithm, Algorithm::hals);  // the survey's default
  EXPECT_EQ(o.rule.lambda, 0.5);
  EXPECT_EQ(o.rule.alpha_W, 0.1);
  EXPECT_EQ(o.rule.alpha_H.value_or(-1.0), 0.2);
  EXPECT_EQ(o.rule.l1_ratio, 0.3);
  EXPECT_EQ(o.rule.inner_sweeps, 2);
  EXPECT_EQ(o.rule.learning_rate.value_or(-1.0), 0.01);
  EXPECT_EQ(o.rule.delta, 0.001);
  EXPECT_EQ(o.init, "nndsvdar");
  EXPECT_EQ(o.stopping.gradient_tolerance, 1e-4);
  EXPECT_EQ(o.stopping.max_iterations, 1000);
  EXPECT_EQ(o.precision, Precision::single_precision);
  EXPECT_EQ(o.ranks, (std::vector<Index>{2, 3, 4}));
  for (const char* init : {"nndsvd", "nndsvda"}) {
    const CommandLine refused =
        parse({"survey", "-i", "v.h5", "-o", "s.h5", "--ranks", "2:4", "--init", init});
    EXPECT_EQ(refused.action, Action::usage_error) << init;
    EXPECT_NE(refused.message.find("gives every restart the same start"), std::string::npos)
        << refused.message;
  }
  EXPECT_NE(parse({"survey", "-i", "v.h5", "-o", "s.h5", "--ranks", "2", "--init", "svd"})
                .message.find("--init: unknown start 'svd' (choose random or nndsvdar)"),
            std::string::npos);
}

TEST(CommandLineParsing, SharedOptionsReadTheSameEverywhere) {
  // --delta drives mu and kl, whichever command declares it.
  for (const std::vector<std::string>& help :
       {std::vector<std::string>{"--help"}, std::vector<std::string>{"survey", "--help"}}) {
    const std::string text = parse(help).message;
    EXPECT_NE(text.find("mu and kl: added to denominators"), std::string::npos) << text;
    EXPECT_NE(text.find("--skip-resource-check"), std::string::npos) << text;
    EXPECT_NE(text.find("--format FORMAT (=auto)"), std::string::npos) << text;
  }
  EXPECT_NE(parse({"--help"}).message.find("--tol T (=1e-6)"), std::string::npos);
  EXPECT_NE(parse({"survey", "--help"}).message.find("--tol T (=1e-5)"), std::string::npos);
}

TEST(CommandLineParsing, RefusesWordsNoOptionTakes) {
  // A value after a switch: `--transpose false` transposed before.
  const CommandLine switched =
      parse({"convert", "-i", "in.h5", "-o", "out.h5", "--transpose", "false"});
  EXPECT_EQ(switched.action, Action::usage_error);
  EXPECT_NE(switched.message.find("--transpose takes no value"), std::string::npos)
      << switched.message;
  const CommandLine stray = parse({"-i", "in.h5", "-k", "3", "-o", "out.h5", "stray"});
  EXPECT_EQ(stray.action, Action::usage_error);
  EXPECT_NE(stray.message.find("unexpected word 'stray'"), std::string::npos) << stray.message;
  // The same commands without the word parse.
  EXPECT_EQ(parse({"convert", "-i", "in.h5", "-o", "out.h5", "--transpose"}).action, Action::run);
  EXPECT_EQ(parse({"-i", "in.h5", "-k", "3", "-o", "out.h5"}).action, Action::run);
}

TEST(CommandLineParsing, NamesAnUnknownSubcommand) {
  const CommandLine unknown = parse({"frobnicate", "-i", "in.h5"});
  EXPECT_EQ(unknown.action, Action::usage_error);
  EXPECT_EQ(unknown.message.find("unknown subcommand 'frobnicate'"), 0U) << unknown.message;
  EXPECT_NE(unknown.message.find("survey"), std::string::npos) << unknown.message;
  EXPECT_NE(parse({"surve"}).message.find("did you mean survey?"), std::string::npos);
}

}  // namespace
}  // namespace mpinmf
