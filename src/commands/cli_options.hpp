#pragma once
// argv → the settings of the command to run. The only place Boost.Program_options is used.
// Pure (no MPI, no HDF5): the unit tests and the fuzzer link it alone.

#include <string>
#include <variant>
#include <vector>

#include "mpinmf/options.hpp"

namespace mpinmf {

/// The settings of the command to run: the main command's, or a subcommand's. Each type has
/// its run function (RunCommand in commands/main.cpp), chosen by the type.
using CommandSettings =
    std::variant<RunOptions, ProjectOptions, ConvertOptions, GenerateOptions, SurveyOptions>;

struct CommandLine {
  enum class Action { run, help, version, usage_error };
  Action action = Action::run;
  CommandSettings settings;
  std::string message;             // the help text, or what is wrong
  std::string command = "mpinmf";  // as typed: "mpinmf", or "mpinmf SUBCOMMAND"
};

/// A subcommand as the command line names it: `mpinmf NAME ...` is parsed by `parse` (given
/// the arguments after NAME), and the main --help lists `summary`.
struct Subcommand {
  const char* name;
  const char* summary;  // one line
  CommandLine (*parse)(const std::vector<std::string>& arguments);
};

/// The subcommands, in the order the main --help lists them.
const std::vector<Subcommand>& subcommands();

/// Parses and validates the arguments (argv without the program name); a first argument
/// naming one of subcommands() selects it, anything else is the main command's.
CommandLine parse_command_line(const std::vector<std::string>& arguments);

}  // namespace mpinmf
