#include "mpinmf/partition.hpp"

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
    // ⌊total · part / parts⌋ without forming total · part, which may overflow int64.
    const std::int64_t target = total / parts * part + total % parts * part / parts;
    // The first row edge at or past the target, or the one before it if that is nearer.
    const auto after = std::ranges::lower_bound(indptr, first + target);
    Index boundary = after - indptr.begin();
    if (after != indptr.begin() && (first + target) - *(after - 1) < *after - (first + target)) {
      --boundary;
    }
    // Nearest edges of increasing targets never go back; max() only makes that explicit.
    boundaries[part] = part == 0 ? 0 : std::max(boundary, boundaries[part - 1]);
  }
  return boundaries;
}

IndexRange nnz_balanced_block(std::span<const std::int64_t> indptr, int parts, int part) {
  if (part < 0 || part >= parts) {
    throw std::invalid_argument("nnz_balanced_block: part outside [0, parts)");
  }
  const std::vector<Index> boundaries = nnz_balanced_boundaries(indptr, parts);
  return {boundaries[part], boundaries[part + 1]};
}

}  // namespace mpinmf
