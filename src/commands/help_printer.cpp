#include "commands/help_printer.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

namespace mpinmf {
namespace po = boost::program_options;

namespace {

constexpr std::size_t kIndent = 2;  // before an option's names
constexpr std::size_t kGap = 2;     // at least, between the names and the description
// The description starts at most here: a longer left part puts it on the next line instead,
// so that the descriptions keep room to be read.
constexpr std::size_t kWidestLeft = 40;

/// "-a [ --algorithm ] RULE (=mu)": what the option's line starts with.
std::string left_part(const po::option_description& option) {
  std::string left = std::string(kIndent, ' ') + option.format_name();
  if (const std::string parameter = option.format_parameter(); !parameter.empty()) {
    left += " " + parameter;
  }
  return left;
}

std::string padded(std::string text, std::size_t width) {
  const std::size_t shown = display_width(text);
  if (shown < width) {
    text.append(width - shown, ' ');
  }
  return text;
}

}  // namespace

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::ranges::count_if(
      text, [](char byte) { return (static_cast<unsigned char>(byte) & 0xC0U) != 0x80U; }));
}

std::vector<std::string> wrapped(const std::string& text, std::size_t width) {
  std::vector<std::string> lines;
  std::istringstream words(text);
  std::string word;
  std::string line;
  while (words >> word) {
    if (!line.empty() && display_width(line) + 1 + display_width(word) > width) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) {
    lines.push_back(line);
  }
  return lines;
}

std::string format_option_sections(const std::deque<HelpSection>& sections,
                                   std::size_t line_width) {
  std::size_t column = 0;
  for (const HelpSection& section : sections) {
    for (const auto& option : section.options.options()) {
      const std::size_t width = display_width(left_part(*option)) + kGap;
      if (width <= kWidestLeft) {
        column = std::max(column, width);
      }
    }
  }
  std::string text;
  for (const HelpSection& section : sections) {
    text += section.caption + ":\n";
    for (const auto& option : section.options.options()) {
      const std::string left = left_part(*option);
      const std::vector<std::string> lines = wrapped(option->description(), line_width - column);
      const bool own_line = display_width(left) + kGap > column;
      if (own_line || lines.empty()) {
        text += left + "\n";
      }
      for (std::size_t at = 0; at < lines.size(); ++at) {
        const bool beside_names = at == 0 && !own_line;
        text += (beside_names ? padded(left, column) : std::string(column, ' ')) + lines[at] + "\n";
      }
    }
    text += "\n";
  }
  return text;
}

}  // namespace mpinmf
