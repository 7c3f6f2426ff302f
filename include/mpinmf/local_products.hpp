#pragma once
// The two products that read V, the only work in an iteration proportional to V's size:
// V Hᵀ (for the W update) and Wᵀ V (for the H update). Dense V goes to BLAS, which runs
// them on the rank's threads. Sparse V (CSR) is split among the threads so that each
// writes its own part of the result, with no atomics and no per-thread copies: V Hᵀ by
// rows, Wᵀ V by column ranges holding nearly equal nonzeros (each thread finds its range
// within every row's sorted column indices).
//
// V may be held in single precision. Then the products multiply float copies of the factors
// (dense: BLAS's SGEMM, twice DGEMM's rate; sparse: the same kernels reading half the bytes
// per nonzero) and the k-wide results are widened to double. The factors, the rules and the
// sums that decide convergence stay double: the copies cost O((m_p + n)·k) per product
// against the product's O(nnz·k).

#include <vector>

#include "mpinmf/types.hpp"

namespace mpinmf {

template <typename LocalRows>  // RowMatrix, SparseRowMatrix, RowMatrixF or SparseRowMatrixF
class LocalProducts {
 public:
  /// Works out once per V what every product reuses (for sparse V, the threads' shares).
  /// `V` must outlive this object.
  explicit LocalProducts(const LocalRows& V);

  /// `out` (m_p × k) = V Hᵀ.
  void times_h_transposed(const Matrix& H, RowMatrix& out);

  /// `out` (k × n) = Wᵀ V.
  void w_transposed_times(const RowMatrix& W, Matrix& out);

 private:
  /// Single-precision copies of the factors and products, kept between iterations so that
  /// no product allocates (float V only).
  struct NarrowCopies {
    Eigen::MatrixXf H;
    RowMatrixF W;
    RowMatrixF VHt;
    Eigen::MatrixXf WtV;
  };

  const LocalRows& V_;
  /// Sparse V: the column ranges (one per thread) holding nearly equal nonzeros that Wᵀ V
  /// is split into; empty for dense V, which BLAS splits itself.
  std::vector<Index> column_split_;
  NarrowCopies narrow_;
};

#define MPINMF_DECLARE_LOCAL_PRODUCTS(LocalRows) extern template class LocalProducts<LocalRows>;
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_DECLARE_LOCAL_PRODUCTS)
#undef MPINMF_DECLARE_LOCAL_PRODUCTS

}  // namespace mpinmf
