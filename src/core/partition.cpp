#include "core/partition.hpp"

#include <algorithm>
#include <stdexcept>

namespace mpinmf {

IndexRange even_block(Index count, int parts, int part) {
  if (count < 0 || parts < 1 || part < 0 || part >= parts) {
    throw std::invalid_argument("even_block: invalid count, parts or part");
  }
  const Index base = count / parts;
  const Index extra = count % parts;
  const Index begin = part * base + std::min<Index>(part, extra);
  const Index size = base + (part < extra ? 1 : 0);
  return {begin, begin + size};
}

namespace {

/// ⌊total · part / parts⌋ without forming total · part, which may overflow int64.
std::int64_t share_of(std::int64_t total, int part, int parts) {
  return total / parts * part + total % parts * part / parts;
}

/// The position in `pointers` of the row edge nearest to `target`: the first at or past
/// it, or the one before it if that is nearer.
Index nearest_edge(std::span<const std::int64_t> pointers, std::int64_t target) {
  const auto after = std::ranges::lower_bound(pointers, target);
  Index edge = after - pointers.begin();
  if (after != pointers.begin() && after != pointers.end() &&
      target - *(after - 1) < *after - target) {
    --edge;
  }
  return edge;
}

}  // namespace

std::vector<Index> nnz_balanced_boundaries(std::span<const std::int64_t> indptr, int parts) {
  if (indptr.empty() || parts < 1) {
    throw std::invalid_argument("nnz_balanced_boundaries: empty indptr or parts < 1");
  }
  const auto rows = static_cast<Index>(indptr.size()) - 1;
  const std::int64_t first = indptr.front();
  const std::int64_t total = indptr.back() - first;
  std::vector<Index> boundaries(static_cast<std::size_t>(parts) + 1, rows);
  for (int part = 0; part < parts; ++part) {
    if (total == 0) {
      boundaries[part] = even_block(rows, parts, part).begin;
      continue;
    }
    const Index boundary = nearest_edge(indptr, first + share_of(total, part, parts));
    // Nearest edges of increasing targets never go back; max() only makes that explicit.
    boundaries[part] = part == 0 ? 0 : std::max(boundary, boundaries[part - 1]);
  }
  return boundaries;
}

std::vector<std::int64_t> split_points_in_slice(std::span<const std::int64_t> pointers,
                                                Index first_row, Index rows,
                                                std::int64_t total_entries, int parts,
                                                bool first_slice) {
  std::vector<std::int64_t> placed(static_cast<std::size_t>(parts) + 1, 0);
  if (first_slice) {
    placed[static_cast<std::size_t>(parts)] = rows;
  }
  for (int part = 1; part < parts; ++part) {
    if (total_entries == 0) {
      // Nothing to balance: the even split, placed once.
      if (first_slice) {
        placed[static_cast<std::size_t>(part)] = even_block(rows, parts, part).begin;
      }
      continue;
    }
    // A share at 0 is boundary 0, which `placed` already holds.
    const std::int64_t target = share_of(total_entries, part, parts);
    if (!pointers.empty() && pointers.front() < target && target <= pointers.back()) {
      placed[static_cast<std::size_t>(part)] = first_row + nearest_edge(pointers, target);
    }
  }
  return placed;
}

IndexRange nnz_balanced_block(std::span<const std::int64_t> indptr, int parts, int part) {
  if (part < 0 || part >= parts) {
    throw std::invalid_argument("nnz_balanced_block: part outside [0, parts)");
  }
  const std::vector<Index> boundaries = nnz_balanced_boundaries(indptr, parts);
  return {boundaries[part], boundaries[part + 1]};
}

}  // namespace mpinmf
