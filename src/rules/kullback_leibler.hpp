#pragma once
// Lee & Seung's multiplicative updates for the generalized Kullback–Leibler divergence
//   D(V ‖ WH) = Σ V log(V / WH) − V + WH,
//   H ← H ∘ Wᵀ(V ⊘ WH) ⊘ (Wᵀ1 + δ),   W ← W ∘ (V ⊘ WH)Hᵀ ⊘ (1Hᵀ + δ),
// with V ⊘ WH formed a block of rows at a time, never as an m×n matrix (for a sparse V,
// only at its nonzeros). Pure local
// functions: the engine sums their results over ranks.

#include "mpinmf/types.hpp"

namespace mpinmf {

/// What one pass over this rank's rows at (W, H) yields for the H update.
struct KlRowPass {
  Matrix ratio_product;           // Wᵀ(V ⊘ (WH + δ)), k × n
  double divergence = 0.0;        // D(V ‖ WH) over these rows
  double residual_squared = 0.0;  // ‖V − WH‖² over these rows, for the relative error
};

/// Rows per block: about a million entries of V ⊘ WH at a time.
Index kl_block_rows(Index columns);

/// Wᵀ(V ⊘ (WH + δ)), the divergence and the squared residual of this rank's rows. For a
/// sparse V, V ⊘ WH is needed only at V's nonzeros, each (WH)ᵢⱼ a k-term dot product; ΣWH
/// and ‖WH‖² over the zeros come from W's column sums and the Grams. V may be single
/// precision (`LocalRows` as in local_products.hpp); everything is computed in double.
template <typename LocalRows>
KlRowPass kl_h_pass(const LocalRows& V, const RowMatrix& W, const Matrix& H, double delta);

/// (V ⊘ (WH + δ)) Hᵀ for this rank's rows, m_p × k.
template <typename LocalRows>
RowMatrix kl_w_numerator(const LocalRows& V, const RowMatrix& W, const Matrix& H, double delta);

/// X ← X ∘ numerator ⊘ (totals + δ), `totals` (k) repeated along X's columns.
void kl_multiplicative_update(Eigen::Ref<Matrix> factor, const Eigen::Ref<const Matrix>& numerator,
                              const Eigen::VectorXd& totals, double delta);

}  // namespace mpinmf
