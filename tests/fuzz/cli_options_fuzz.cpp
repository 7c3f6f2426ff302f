// libFuzzer target: arbitrary bytes as a command line, split into words at NUL or newline.
// parse_command_line must return (a usage error at worst) or throw mpinmf::Error.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "commands/cli_options.hpp"
#include "mpinmf/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto* const begin = reinterpret_cast<const char*>(data);
  const auto* const end = begin + size;
  std::vector<std::string> words;
  for (const char* word = begin; word < end;) {
    const char* const word_end =
        std::find_if(word, end, [](char c) { return c == '\0' || c == '\n'; });
    words.emplace_back(word, word_end);
    word = word_end + 1;
  }
  try {
    const mpinmf::CommandLine command = mpinmf::parse_command_line(words);
    (void)command;
  } catch (const mpinmf::Error&) {
    // Refusing bad input with a message is the expected outcome.
  }
  return 0;
}
