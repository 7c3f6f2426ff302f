#pragma once
// The help in the forms other tools read, written from the same option tables as --help: a
// man page per command (roff) and the bash completion script. So an option added to a table
// is in all three.

#include <deque>
#include <string>
#include <vector>

#include "commands/help_printer.hpp"

namespace mpinmf {

/// A command's man page: its NAME from the usage's first line ("mpinmf survey — ..."), the
/// rest of the usage as DESCRIPTION, each section's options with their defaults, the footer.
/// The page is mpinmf(1) for the main command, mpinmf-NAME(1) for a subcommand.
std::string man_page(const std::string& usage, const std::deque<HelpSection>& sections,
                     const std::string& footer, const std::string& version);

/// A command's arm of the completion script's `case` on the command: its options, those that
/// take a value, those that take a file name, and the values of those with fixed choices.
std::string completion_arm(const std::string& usage, const std::deque<HelpSection>& sections);

/// The bash completion script: the subcommands' names after `mpinmf`, then each command's
/// arm (completion_arm of each, the main command's among them).
std::string bash_completion(const std::vector<std::string>& subcommand_names,
                            const std::string& arms);

}  // namespace mpinmf
