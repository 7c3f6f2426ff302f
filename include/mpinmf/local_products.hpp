#pragma once
// The two products that read V, the only work in an iteration proportional to V's size:
// V Hᵀ (for the W update) and Wᵀ V (for the H update). Dense V goes to BLAS, which runs
// them on the rank's threads. Sparse V (CSR) is split among the threads so that each
// writes its own part of the result, with no atomics and no per-thread copies: V Hᵀ by
// rows, Wᵀ V by column ranges holding nearly equal nonzeros (each thread finds its range
// within every row's sorted column indices).

#include "mpinmf/types.hpp"

namespace mpinmf {

/// `out` (m_p × k) = V Hᵀ.
void times_h_transposed(const RowMatrix& V, const Matrix& H, RowMatrix& out);
void times_h_transposed(const SparseRowMatrix& V, const Matrix& H, RowMatrix& out);

/// `out` (k × n) = Wᵀ V.
void w_transposed_times(const RowMatrix& W, const RowMatrix& V, Matrix& out);
void w_transposed_times(const RowMatrix& W, const SparseRowMatrix& V, Matrix& out);

}  // namespace mpinmf
