#pragma once
// The two products that read V, the only work in an iteration proportional to V's size:
// V Hᵀ (for the W update) and Wᵀ V (for the H update). Dense V goes to BLAS, which runs
// them on the rank's threads. Sparse V (CSR) is split among the threads so that each
// writes its own part of the result, with no atomics and no per-thread copies: V Hᵀ by
// rows, Wᵀ V by column ranges holding nearly equal nonzeros (each thread finds its range
// within every row's sorted column indices).

#include <vector>

#include "mpinmf/types.hpp"

namespace mpinmf {

/// `out` (m_p × k) = V Hᵀ.
void times_h_transposed(const RowMatrix& V, const Matrix& H, RowMatrix& out);
void times_h_transposed(const SparseRowMatrix& V, const Matrix& H, RowMatrix& out);

/// How Wᵀ V is shared among this rank's threads: for sparse V, the column ranges (one per
/// thread) holding nearly equal nonzeros, worked out once per V rather than per product;
/// empty for dense V, which BLAS splits itself.
using ColumnSplit = std::vector<Index>;
ColumnSplit column_split(const RowMatrix& V);
ColumnSplit column_split(const SparseRowMatrix& V);

/// `out` (k × n) = Wᵀ V, shared among the threads as `split` (from column_split(V)) says.
void w_transposed_times(const RowMatrix& W, const RowMatrix& V, Matrix& out,
                        const ColumnSplit& split);
void w_transposed_times(const RowMatrix& W, const SparseRowMatrix& V, Matrix& out,
                        const ColumnSplit& split);

}  // namespace mpinmf
