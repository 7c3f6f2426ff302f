#pragma once
// The options part of --help, laid out by display width. Boost's own printer pads by bytes,
// so a placeholder holding a Greek letter (δ, λ, α, ρ, η, σ: two bytes, one column) shifted
// its description one column left of the others.

#include <boost/program_options/options_description.hpp>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace mpinmf {

/// Columns a UTF-8 string takes on a terminal: its code points (the help's Greek letters and
/// symbols are one column each), not its bytes.
std::size_t display_width(std::string_view text);

/// `text` wrapped into lines of at most `width` display columns (a longer word has its own
/// line): the options' descriptions and the help's paragraphs of prose.
std::vector<std::string> wrapped(const std::string& text, std::size_t width);

/// A section of a command's help: Boost's options_description keeps its caption private.
struct HelpSection {
  explicit HelpSection(const std::string& title) : caption(title), options(title) {}
  std::string caption;
  boost::program_options::options_description options;
};

/// Each section under its caption, an option a paragraph: its names and placeholder on the
/// left, its description in one column for all sections, wrapped at `line_width` columns.
std::string format_option_sections(const std::deque<HelpSection>& sections,
                                   std::size_t line_width = 80);

}  // namespace mpinmf
