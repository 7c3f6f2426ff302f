#pragma once
// argv → RunOptions. The only place Boost.Program_options is used.

#include <string>
#include <vector>

#include "mpinmf/options.hpp"

namespace mpinmf {

struct CommandLine {
  enum class Action { run, help, version, usage_error };
  Action action = Action::run;
  RunOptions options;
  std::string message;  // the help text, or what is wrong
};

/// Parses and validates the arguments (argv without the program name).
CommandLine parse_command_line(const std::vector<std::string>& arguments);

}  // namespace mpinmf
