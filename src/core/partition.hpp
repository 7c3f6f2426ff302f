#pragma once
// Which rows (or columns) each rank owns: a pure function of the sizes.

#include <cstdint>
#include <span>
#include <vector>

#include "mpinmf/types.hpp"

namespace mpinmf {

/// A half-open range [begin, end) of global indices.
struct IndexRange {
  Index begin = 0;
  Index end = 0;

  [[nodiscard]] Index size() const { return end - begin; }
  bool operator==(const IndexRange& other) const = default;
};

/// Splits `count` items into `parts` contiguous blocks whose sizes differ by at most one
/// (the first `count % parts` blocks get the extra item) and returns block `part`.
/// Blocks may be empty when there are more parts than items.
IndexRange even_block(Index count, int parts, int part);

/// Splits the rows of a sparse matrix into `parts` contiguous blocks holding nearly equal
/// numbers of nonzeros (the work of a sparse iteration is proportional to them), given its
/// CSR row pointer `indptr` (rows + 1 non-decreasing entries; an offset at indptr[0] is
/// allowed). Returns the parts + 1 block boundaries, from 0 to rows: block p is rows
/// [boundaries[p], boundaries[p + 1]). Each boundary is the row edge nearest to p/parts of the
/// nonzeros, so no block is off by more than the longest row. Blocks may be empty; with no
/// nonzeros at all, rows are split as even_block splits them.
std::vector<Index> nnz_balanced_boundaries(std::span<const std::int64_t> indptr, int parts);

/// nnz_balanced_boundaries computed from slices of the row pointer, so that no rank needs
/// all of it. `pointers` is indptr[first_row ..= first_row + count] of a matrix of `rows`
/// rows whose indptr runs from 0 to `total_entries`. Returns parts + 1 entries, zero except
/// the boundaries whose share of the nonzeros falls inside this slice (and the last
/// boundary, from the `first_slice`): summed over slices that tile the row pointer, they
/// are nnz_balanced_boundaries(indptr, parts).
std::vector<std::int64_t> split_points_in_slice(std::span<const std::int64_t> pointers,
                                                Index first_row, Index rows,
                                                std::int64_t total_entries, int parts,
                                                bool first_slice);

/// Block `part` of nnz_balanced_boundaries(indptr, parts).
IndexRange nnz_balanced_block(std::span<const std::int64_t> indptr, int parts, int part);

}  // namespace mpinmf
