#pragma once
// Lee & Seung's multiplicative updates for the generalized Kullback–Leibler divergence
//   D(V ‖ WH) = Σ V log(V / WH) − V + WH,
//   H ← H ∘ Wᵀ(V ⊘ WH) ⊘ (Wᵀ1 + δ),   W ← W ∘ (V ⊘ WH)Hᵀ ⊘ (1Hᵀ + δ),
// with V ⊘ WH never held as an m×n matrix. Dense V: each of the rank's threads takes a share
// of its rows and goes through it a cache-sized block of rows at a time: the block of WH by
// BLAS, then one pass over it that adds up the divergence and the residual and turns WH into
// V ⊘ WH in place (vectorized, the logarithm included), then the block's product with W or
// Hᵀ by BLAS, while the block is still in cache. Sparse V: the same a row at a time, WH and
// V ⊘ WH formed only at the row's nonzeros. Every buffer lives in a KlWorkspace made before
// the loop, so that the passes never allocate. Pure local functions: the engine sums their
// results over ranks.

#include <cstdint>
#include <vector>

#include "mpinmf/types.hpp"

namespace mpinmf {

/// What a pass adds up over this rank's rows besides its product.
struct KlSums {
  /// Dense V: D(V ‖ WH) over the rows. Sparse V: Σ (v log(v / wh) − v) over the nonzeros
  /// only; Σ WH over all entries comes from W's column sums and H's row sums.
  double divergence = 0.0;
  /// Dense V: ‖V − WH‖². Sparse V: Σ v² − 2 v wh over the nonzeros; ‖WH‖² comes from the
  /// Grams.
  double residual_squared = 0.0;
};

/// What one pass over this rank's rows at (W, H) yields for the H update.
struct KlRowPass {
  Matrix ratio_product;           // Wᵀ(V ⊘ (WH + δ)), k × n
  double divergence = 0.0;        // D(V ‖ WH) over these rows
  double residual_squared = 0.0;  // ‖V − WH‖² over these rows, for the relative error
};

/// Rows per block of dense V: about 2¹⁶ entries of V ⊘ WH (half a megabyte), which stay in a
/// core's L2 cache between the product that forms them and the one that reads them.
Index kl_block_rows(Index columns);

/// The memory the passes below work in for one rank's V and k, made once: per thread share
/// of the rows, a block of WH (dense) or a row's worth of it (sparse), that share's part of
/// Wᵀ(V ⊘ WH) (all but the first share's) and its sums; for sparse V, the Grams.
template <typename LocalRows>
class KlWorkspace {
 public:
  KlWorkspace(const LocalRows& V, Index k);

  /// Share s is rows [boundaries[s], boundaries[s + 1]): even blocks for dense V, blocks of
  /// nearly equal nonzeros for sparse V.
  std::vector<Index> boundaries;
  std::vector<RowMatrix> blocks;   // per share: WH, then V ⊘ WH (dense: a block of rows)
  std::vector<Matrix> partials;    // per share but the first: its part of Wᵀ(V ⊘ WH)
  std::vector<KlSums> share_sums;  // per share
  Matrix WtW, HHt;                 // sparse V: the Grams, for ‖WH‖²
  Eigen::VectorXd w_column_sums, h_row_sums;
};

/// `ratio_product` (k × n, sized by the caller) = Wᵀ(V ⊘ (WH + δ)) on this rank's rows, and
/// the divergence and squared residual of those rows, in double whatever V's precision (V
/// may be single precision: `LocalRows` as in local_products.hpp).
template <typename LocalRows>
KlSums kl_h_pass(const LocalRows& V, const RowMatrix& W, const Matrix& H, double delta,
                 KlWorkspace<LocalRows>& work, Matrix& ratio_product);

/// `numerator` (m_p × k, sized by the caller) = (V ⊘ (WH + δ)) Hᵀ on this rank's rows.
template <typename LocalRows>
void kl_w_numerator(const LocalRows& V, const RowMatrix& W, const Matrix& H, double delta,
                    KlWorkspace<LocalRows>& work, RowMatrix& numerator);

/// The same two with a workspace of their own, for callers outside the loop (the tests):
/// the sparse sums completed, so that dense and sparse V give the same numbers.
template <typename LocalRows>
KlRowPass kl_h_pass(const LocalRows& V, const RowMatrix& W, const Matrix& H, double delta);
template <typename LocalRows>
RowMatrix kl_w_numerator(const LocalRows& V, const RowMatrix& W, const Matrix& H, double delta);

/// A sparse pass's sums completed with the terms at V's zeros: Σ WH = (Wᵀ1)·(H1) and ‖WH‖²
/// from the Grams (formed into `work`); the local terms only, before the sum over ranks is
/// the caller's. Dense passes are complete already and come back as they are.
template <typename LocalRows>
KlSums completed_sums(const KlSums& pass, const RowMatrix& W, const Matrix& H,
                      KlWorkspace<LocalRows>& work);

/// X ← X ∘ numerator ⊘ (totals + δ), `totals` (k) repeated along X's columns.
void kl_multiplicative_update(Eigen::Ref<Matrix> factor, const Eigen::Ref<const Matrix>& numerator,
                              const Eigen::VectorXd& totals, double delta);

#define MPINMF_DECLARE_KL_PASSES(LocalRows) extern template class KlWorkspace<LocalRows>;
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_DECLARE_KL_PASSES)
#undef MPINMF_DECLARE_KL_PASSES

}  // namespace mpinmf
