#pragma once
// argv → RunOptions. The only place Boost.Program_options is used.

#include <string>
#include <vector>

#include "mpinmf/options.hpp"

namespace mpinmf {

struct CommandLine {
  enum class Action { run, project, convert, generate, survey, help, version, usage_error };
  Action action = Action::run;
  RunOptions options;
  ProjectOptions project;
  ConvertOptions convert;
  GenerateOptions generate;
  SurveyOptions survey;
  std::string message;  // the help text, or what is wrong
};

/// Parses and validates the arguments (argv without the program name); a first argument
/// `project`, `convert`, `generate` or `survey` selects that subcommand.
CommandLine parse_command_line(const std::vector<std::string>& arguments);

}  // namespace mpinmf
