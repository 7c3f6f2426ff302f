#include "commands/help_writers.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <utility>

#include "mpinmf/options.hpp"

namespace mpinmf {
namespace po = boost::program_options;

namespace {

/// "mpinmf survey" from a usage whose first line is "mpinmf survey — which k? ...".
std::string command_of(const std::string& usage) {
  const std::string first = usage.substr(0, usage.find('\n'));
  return first.substr(0, first.find(" — "));
}

/// What follows the command's name on the usage's first line.
std::string summary_of(const std::string& usage) {
  const std::string first = usage.substr(0, usage.find('\n'));
  const std::size_t dash = first.find(" — ");
  return dash == std::string::npos ? "" : first.substr(dash + std::string(" — ").size());
}

/// The subcommand's word ("survey"), or "mpinmf" for the main command.
std::string arm_label(const std::string& usage) {
  const std::string command = command_of(usage);
  const std::size_t space = command.find(' ');
  return space == std::string::npos ? command : command.substr(space + 1);
}

/// `text` safe in roff: backslashes and hyphens escaped, no line read as a request.
std::string roff(const std::string& text) {
  std::string escaped;
  bool line_start = true;
  for (const char byte : text) {
    if (line_start && (byte == '.' || byte == '\'')) {
      escaped += "\\&";
    }
    if (byte == '\\') {
      escaped += "\\e";
    } else if (byte == '-') {
      escaped += "\\-";
    } else {
      escaped += byte;
    }
    line_start = byte == '\n';
  }
  return escaped;
}

/// "-a" of an option that has a short name ("-a [ --algorithm ]"), else "".
std::string short_name(const po::option_description& option) {
  const std::string shown = option.format_name();
  return shown.starts_with("--") ? "" : shown.substr(0, shown.find(' '));
}

/// The placeholder ("RULE") and the default ("mu", or "") of an option that takes a value.
std::pair<std::string, std::string> parameter_of(const po::option_description& option) {
  const std::string parameter = option.format_parameter();
  const std::size_t open = parameter.find(" (=");
  if (open == std::string::npos) {
    return {parameter, ""};
  }
  return {parameter.substr(0, open), parameter.substr(open + 3, parameter.size() - open - 4)};
}

bool takes_value(const po::option_description& option) {
  return option.semantic()->max_tokens() != 0;
}

}  // namespace

std::string man_page(const std::string& usage, const std::deque<HelpSection>& sections,
                     const std::string& footer, const std::string& version) {
  std::string page_name = command_of(usage);
  std::ranges::replace(page_name, ' ', '-');
  std::string upper = page_name;
  std::ranges::transform(upper, upper.begin(), [](unsigned char c) { return std::toupper(c); });
  std::string page = ".TH " + upper + R"( 1 "" "mpinmf )" + version + R"(" "User Commands")" + "\n";
  page += ".SH NAME\n" + roff(page_name) + " \\- " + roff(summary_of(usage)) + "\n";
  const std::size_t body = usage.find('\n');
  page += ".SH DESCRIPTION\n.nf\n" + roff(usage.substr(body + 1)) + "\n.fi\n.SH OPTIONS\n";
  for (const HelpSection& section : sections) {
    page += ".SS " + roff(section.caption) + "\n";
    for (const auto& option : section.options.options()) {
      std::string names = "\\fB" + roff("--" + option->long_name()) + "\\fR";
      if (const std::string name = short_name(*option); !name.empty()) {
        names.insert(0, R"(\fB)" + roff(name) + R"(\fR, )");
      }
      const auto [placeholder, default_value] = parameter_of(*option);
      if (takes_value(*option)) {
        names += " \\fI" + roff(placeholder) + "\\fR";
      }
      page += ".TP\n" + names + "\n" + roff(option->description());
      if (!default_value.empty()) {
        page += " (default: " + roff(default_value) + ")";
      }
      page += "\n";
    }
  }
  if (!footer.empty()) {
    page += ".SH NOTES\n.nf\n" + roff(footer) + "\n.fi\n";
  }
  page += ".SH SEE ALSO\n";
  page += page_name == "mpinmf" ? "mpinmf\\-project(1), mpinmf\\-convert(1), mpinmf\\-generate(1), "
                                  "mpinmf\\-survey(1), mpirun(1)\n"
                                : "mpinmf(1), mpirun(1)\n";
  return page;
}

std::string completion_arm(const std::string& usage, const std::deque<HelpSection>& sections) {
  std::string options;
  std::string valued;
  std::string files;
  std::string choices;
  for (const HelpSection& section : sections) {
    for (const auto& option : section.options.options()) {
      std::string names = "--" + option->long_name();
      if (const std::string name = short_name(*option); !name.empty()) {
        names += " " + name;
      }
      options += " " + names;
      if (!takes_value(*option)) {
        continue;
      }
      valued += " " + names;
      if (parameter_of(*option).first == "FILE") {
        files += " " + names;
      }
      if (const std::vector<std::string> values = choices_of(option->long_name());
          !values.empty()) {
        std::string pattern = names;
        std::ranges::replace(pattern, ' ', '|');
        choices += "        " + pattern + ") choices=\"";
        for (std::size_t at = 0; at < values.size(); ++at) {
          choices += (at == 0 ? "" : " ") + values[at];
        }
        choices += "\" ;;\n";
      }
    }
  }
  std::ostringstream arm;
  arm << "    " << arm_label(usage) << ")\n"
      << "      options=\"" << options.substr(options.empty() ? 0 : 1) << "\"\n"
      << "      valued=\" " << valued.substr(valued.empty() ? 0 : 1) << " \"\n"
      << "      files=\" " << files.substr(files.empty() ? 0 : 1) << " \"\n"
      << "      case \"$prev\" in\n"
      << choices << "      esac ;;\n";
  return arm.str();
}

std::string bash_completion(const std::vector<std::string>& subcommand_names,
                            const std::string& arms) {
  std::string names;
  for (const std::string& name : subcommand_names) {
    names += (names.empty() ? "" : " ") + name;
  }
  std::string script =
      "# bash completion for mpinmf, written by `mpinmf --completion bash` from the option\n"
      "# tables that --help prints.\n"
      "_mpinmf() {\n"
      "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"\" command=mpinmf\n"
      "  local options=\"\" valued=\"\" files=\"\" choices=\"\"\n"
      "  local subcommands=\"" +
      names +
      "\"\n"
      "  if (( COMP_CWORD > 0 )); then prev=\"${COMP_WORDS[COMP_CWORD-1]}\"; fi\n"
      "  if (( COMP_CWORD > 1 )) && [[ \" $subcommands \" == *\" ${COMP_WORDS[1]} \"* ]]; then\n"
      "    command=\"${COMP_WORDS[1]}\"\n"
      "  fi\n"
      "  case \"$command\" in\n" +
      arms +
      "  esac\n"
      "  if [[ -n \"$choices\" ]]; then\n"
      "    mapfile -t COMPREPLY < <(compgen -W \"$choices\" -- \"$cur\")\n"
      "  elif [[ \"$files\" == *\" $prev \"* ]]; then\n"
      "    compopt -o filenames 2>/dev/null\n"
      "    mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n"
      "  elif [[ \"$valued\" == *\" $prev \"* ]]; then\n"
      "    COMPREPLY=()\n"
      "  elif [[ \"$command\" == mpinmf && COMP_CWORD -eq 1 && \"$cur\" != -* ]]; then\n"
      "    mapfile -t COMPREPLY < <(compgen -W \"$subcommands\" -- \"$cur\")\n"
      "  else\n"
      "    mapfile -t COMPREPLY < <(compgen -W \"$options\" -- \"$cur\")\n"
      "  fi\n"
      "}\n"
      "complete -F _mpinmf mpinmf\n";
  return script;
}

}  // namespace mpinmf
