#pragma once
// The two products that read V, the only work in an iteration proportional to V's size:
// V Hᵀ (for the W update) and Wᵀ V (for the H update). Dense V goes to BLAS, one
// one-thread call per thread on its share of V (thread_shares.hpp). Sparse V (CSR) goes to
// the project's kernels, split among the threads so that each writes its own part of the
// result, with no atomics and no per-thread copies: V Hᵀ by
// rows, Wᵀ V by column ranges holding nearly equal nonzeros (each thread's range is one run
// of every row's sorted column indices, found once per V).
//
// V may be held in single precision. Then the products multiply float copies of the factors
// (dense: BLAS's SGEMM, twice DGEMM's rate; sparse: the same kernels reading half the bytes
// per nonzero) and the k-wide results are widened to double. The factors, the rules and the
// sums that decide convergence stay double: the copies cost O((m_p + n)·k) per product
// against the product's O(nnz·k).

#include <cstdint>
#include <vector>

#include "mpinmf/types.hpp"

namespace mpinmf {

/// How Wᵀ V on a sparse V is shared among a rank's threads: by column ranges holding nearly
/// equal nonzeros. Where each range starts in each row is found once, when V is known, so
/// that no product searches the rows for it.
struct SparseColumnSplit {
  /// The ranges' ends: range t is columns [boundaries[t], boundaries[t + 1]).
  std::vector<Index> boundaries;
  /// For each boundary but the first and the last (boundary-major, V.rows() per boundary),
  /// the position in each row of the first nonzero at or past it.
  std::vector<std::int64_t> row_cuts;
};

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

  /// Dense V only: the products as BLAS forms them fastest, V Hᵀ column-major and Wᵀ V
  /// row-major, in V's precision; copied from there into the results (local_products.cpp).
  struct BlasLayouts {
    Eigen::Matrix<typename LocalRows::Scalar, Eigen::Dynamic, Eigen::Dynamic> VHt;
    Eigen::Matrix<typename LocalRows::Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> WtV;
  };

  const LocalRows& V_;
  /// Sparse V only; dense V is split by BLAS or by even blocks.
  SparseColumnSplit column_split_;
  NarrowCopies narrow_;
  BlasLayouts blas_layouts_;
};

#define MPINMF_DECLARE_LOCAL_PRODUCTS(LocalRows) extern template class LocalProducts<LocalRows>;
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_DECLARE_LOCAL_PRODUCTS)
#undef MPINMF_DECLARE_LOCAL_PRODUCTS

}  // namespace mpinmf
