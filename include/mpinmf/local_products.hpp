#pragma once
// The two products that read V, the only work in an iteration proportional to V's size:
// V Hᵀ (for the W update) and Wᵀ V (for the H update). Dense V goes to BLAS, one
// one-thread call per thread on its share of V (thread_shares.hpp). Sparse V (CSR) goes to
// the project's kernels, split among the threads so that each writes its own part of the
// result, with no atomics and no per-thread copies: V Hᵀ by
// rows, Wᵀ V by column ranges holding nearly equal nonzeros (each thread's range is one run
// of every row's sorted column indices, found once per V).
//
// V may be held in single precision. Then the factors the products read and the products
// themselves are float too (dense: BLAS's SGEMM, twice DGEMM's rate; sparse: the same kernels
// reading half the bytes per nonzero).

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
  /// V's precision, which the factors and products share.
  using Scalar = typename LocalRows::Scalar;

  /// Works out once per V what every product reuses (for sparse V, the threads' shares).
  /// `V` must outlive this object.
  explicit LocalProducts(const LocalRows& V);

  /// `out` (m_p × k) = V Hᵀ.
  void times_h_transposed(const ColumnsOf<Scalar>& H, RowsOf<Scalar>& out);

  /// `out` (k × n) = Wᵀ V.
  void w_transposed_times(const RowsOf<Scalar>& W, ColumnsOf<Scalar>& out);

 private:
  /// Dense V only: the products as BLAS forms them fastest, V Hᵀ column-major and Wᵀ V
  /// row-major; copied from there into the results (local_products.cpp).
  struct BlasLayouts {
    ColumnsOf<Scalar> VHt;
    RowsOf<Scalar> WtV;
  };

  const LocalRows& V_;
  /// Sparse V only; dense V is split by BLAS or by even blocks.
  SparseColumnSplit column_split_;
  BlasLayouts blas_layouts_;
};

#define MPINMF_DECLARE_LOCAL_PRODUCTS(LocalRows) extern template class LocalProducts<LocalRows>;
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_DECLARE_LOCAL_PRODUCTS)
#undef MPINMF_DECLARE_LOCAL_PRODUCTS

}  // namespace mpinmf
