#include "commands/option_suggestion.hpp"

#include <algorithm>

namespace mpinmf {

std::size_t edit_distance(const std::string& from, const std::string& to) {
  // The optimal-string-alignment table: Levenshtein's, plus swapping two neighbours as one
  // edit, the commonest typo (--rnaks).
  const std::size_t columns = to.size() + 1;
  std::vector<std::size_t> table((from.size() + 1) * columns);
  const auto at = [&](std::size_t i, std::size_t j) -> std::size_t& {
    return table[i * columns + j];
  };
  for (std::size_t i = 0; i <= from.size(); ++i) {
    for (std::size_t j = 0; j <= to.size(); ++j) {
      if (i == 0 || j == 0) {
        at(i, j) = i + j;
        continue;
      }
      const std::size_t substitution = at(i - 1, j - 1) + (from[i - 1] == to[j - 1] ? 0 : 1);
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, substitution});
      if (i > 1 && j > 1 && from[i - 1] == to[j - 2] && from[i - 2] == to[j - 1]) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(from.size(), to.size());
}

std::optional<std::string> nearest_option(const std::string& typed,
                                          const std::vector<std::string>& known) {
  const std::string name = typed.substr(std::min(typed.find_first_not_of('-'), typed.size()));
  std::optional<std::string> best;
  std::size_t best_distance = std::min<std::size_t>(2, name.size() / 3);
  for (const std::string& candidate : known) {
    const std::size_t distance = edit_distance(name, candidate);
    if (distance <= best_distance && (!best || distance < best_distance)) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace mpinmf
