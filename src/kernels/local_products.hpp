#pragma once
// The two products that read V, the only work in an iteration proportional to V's size:
// V Hᵀ (for the W update) and Wᵀ V (for the H update). Dense V goes to BLAS, or to the
// project's kernels that read V in place (dense_products.hpp) where those measured faster,
// one one-thread call per thread on its share of V (thread_shares.hpp). Sparse V (CSR) goes to
// the project's kernels, split among the threads so that each writes a part of the result
// of its own, with no atomics: V Hᵀ by rows; Wᵀ V, where the threads' k × n partials are
// small beside W_p, by rows, each thread's into a partial of its own, the partials added
// after (as ranks split the work); otherwise by column ranges holding nearly equal nonzeros
// (each thread's range is one run of every row's sorted column indices, found once per V),
// which makes each thread read all of W_p.
//
// V may be held in single precision. Then the factors the products read and the products
// themselves are float too (dense: about twice double's rate; sparse: the same kernels
// reading half the bytes per nonzero).

#include <cstdint>
#include <vector>

#include "mpinmf/types.hpp"

namespace mpinmf {

/// Whether Wᵀ V on a `rows` × `columns` block, sparse or by the project's dense kernel, is
/// shared among `threads` by rows, each thread's rows into a k × n partial of its own: where
/// the threads' extra partials together are no larger than W_p ((threads − 1) · columns ≤
/// rows). Summing them then costs no more than the extra passes over W_p that a split by
/// columns makes (each thread reads all of W_p for its columns), and their memory no more
/// than W_p's; each thread's rows are then read whole, as a rank's are.
bool w_transposed_times_by_rows(Index rows, Index columns, int threads);

/// How Wᵀ V on a sparse V is shared among a rank's threads (see above), found once per V.
struct SparseThreadSplit {
  /// By rows (boundaries are row blocks holding nearly equal nonzeros) or by column ranges.
  bool by_rows = false;
  /// Block t is rows or columns [boundaries[t], boundaries[t + 1]).
  std::vector<Index> boundaries;
  /// Column ranges only: for each boundary but the first and the last (boundary-major,
  /// V.rows() per boundary), the position in each row of the first nonzero at or past it, so
  /// that no product searches the rows for it.
  std::vector<std::int64_t> row_cuts;
};

/// Dense V only: what the products are formed in before they reach the results
/// (local_products.cpp): V Hᵀ column-major and Wᵀ V row-major as BLAS forms them fastest
/// (the project's Wᵀ V kernel writes the row-major one too), and H packed for the project's
/// V Hᵀ kernel.
template <typename Scalar>
struct DenseScratch {
  ColumnsOf<Scalar> VHt;
  RowsOf<Scalar> WtV;
  std::vector<Scalar> packed_h;
  /// The project's Wᵀ V split by rows: the partials of the threads but the first.
  std::vector<RowsOf<Scalar>> partials;
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
  const LocalRows& V_;
  /// Sparse V only; dense V is split by BLAS or by even blocks.
  SparseThreadSplit thread_split_;
  /// Sparse Wᵀ V by rows: the partials of the threads but the first (which writes `out`).
  std::vector<ColumnsOf<Scalar>> partials_;
  DenseScratch<Scalar> dense_scratch_;
};

#define MPINMF_DECLARE_LOCAL_PRODUCTS(LocalRows) extern template class LocalProducts<LocalRows>;
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_DECLARE_LOCAL_PRODUCTS)
#undef MPINMF_DECLARE_LOCAL_PRODUCTS

}  // namespace mpinmf
