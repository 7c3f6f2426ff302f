#pragma once
// "Did you mean": the known option nearest to a mistyped one.

#include <optional>
#include <string>
#include <vector>

namespace mpinmf {

/// Edits (insertions, deletions, substitutions, swaps of neighbours) that turn `from` into
/// `to`.
std::size_t edit_distance(const std::string& from, const std::string& to);

/// The name in `known` nearest to `typed` (leading dashes ignored), when it is near enough
/// to be a typo of it: at most 2 edits and at most a third of its letters, so that `--x`
/// does not suggest `--k`.
std::optional<std::string> nearest_option(const std::string& typed,
                                          const std::vector<std::string>& known);

}  // namespace mpinmf
